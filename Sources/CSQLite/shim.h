#ifndef TRAINBELL_CSQLITE_SHIM_H
#define TRAINBELL_CSQLITE_SHIM_H
/* The system libsqlite3 for Swift. Only what Swift cannot call directly gets a wrapper here. */
#include <sqlite3.h>

/* SQLITE_TRANSIENT is a macro that casts -1 to a function pointer, which Swift cannot import:
   binds that make SQLite copy the value before they return. */
static inline int csqlite_bind_text_copied(sqlite3_stmt *statement, int index, const char *text, int bytes) {
    return sqlite3_bind_text(statement, index, text, bytes, SQLITE_TRANSIENT);
}
static inline int csqlite_bind_blob_copied(sqlite3_stmt *statement, int index, const void *bytes, int count) {
    return sqlite3_bind_blob(statement, index, bytes, count, SQLITE_TRANSIENT);
}
#endif
