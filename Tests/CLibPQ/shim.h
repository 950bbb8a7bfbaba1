#ifndef PGW_CLIBPQ_SHIM_H
#define PGW_CLIBPQ_SHIM_H

// libpq, only for tests that compare pgw's connection string parsing with PQconninfoParse.
#include <libpq-fe.h>

#endif
