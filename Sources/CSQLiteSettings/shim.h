#include <sqlite3.h>

/// sqlite3_config(SQLITE_CONFIG_MEMSTATUS, on): variadic, so Swift cannot call it. Must run before SQLite is
/// initialized (before the first connection opens); returns SQLITE_MISUSE after.
static inline int optout_sqlite3_config_memstatus(int on) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, on);
}
