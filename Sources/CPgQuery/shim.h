// libpg_query: PostgreSQL's own SQL parser as a C library (Debian's libpg-query-dev, which ships no pkg-config file).
#include <pg_query.h>
