#ifndef PGW_CLIBEDIT_SHIM_H
#define PGW_CLIBEDIT_SHIM_H

#include <stdio.h>
#include <editline/readline.h>

// libedit's settings are global variables, which Swift 6 refuses to touch directly; these set them.

/// Leaves SIGINT and friends to the program (pgw clears the line itself).
static inline void pgw_rl_leave_signals_alone(void) { rl_catch_signals = 0; }

/// Completes with `function`; `rl_attempted_completion_over` stops the default (file names) when it finds nothing.
static inline void pgw_rl_set_completion(rl_completion_func_t *function) { rl_attempted_completion_function = function; }

/// Stops libedit from falling back to completing file names.
static inline void pgw_rl_completion_over(void) { rl_attempted_completion_over = 1; }

/// Words for completion end at spaces only (a meta-command's backslash and a field's `=` belong to the word).
static inline void pgw_rl_break_words_at_spaces(void) { rl_basic_word_break_characters = " \t\n"; }

/// What follows a completed word: `character`, or nothing when 0 (a field name ending in `=`).
static inline void pgw_rl_set_completion_append(int character) { rl_completion_append_character = character; }

/// The whole line being edited.
static inline const char *pgw_rl_line_buffer(void) { return rl_line_buffer; }

#endif
