#ifndef PGW_CLIBEDIT_SHIM_H
#define PGW_CLIBEDIT_SHIM_H

#include <stdio.h>
#include <editline/readline.h>

#endif
