/* bench-common.h: what the C benchmarks of Tests/Tools share: a monotonic clock, questions to the bus
 * about a name, a process's memory, medians, and the machine-readable figures for bench-table.sh.
 * Header-only (static inline functions): each benchmark is one `cc` of one file.
 */
#ifndef TRAINBELL_BENCH_COMMON_H
#define TRAINBELL_BENCH_COMMON_H

#include <dbus/dbus.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

static inline double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* A blocking call to the bus itself with one string argument; NULL on failure. */
static inline DBusMessage *call_bus(DBusConnection *c, const char *member, const char *name) {
    DBusMessage *m = dbus_message_new_method_call("org.freedesktop.DBus", "/org/freedesktop/DBus",
                                                  "org.freedesktop.DBus", member);
    dbus_message_append_args(m, DBUS_TYPE_STRING, &name, DBUS_TYPE_INVALID);
    DBusMessage *reply = dbus_connection_send_with_reply_and_block(c, m, 5000, NULL);
    dbus_message_unref(m);
    return reply;
}

static inline int has_owner(DBusConnection *c, const char *name) {
    DBusMessage *reply = call_bus(c, "NameHasOwner", name);
    dbus_bool_t owned = 0;
    if (reply) {
        dbus_message_get_args(reply, NULL, DBUS_TYPE_BOOLEAN, &owned, DBUS_TYPE_INVALID);
        dbus_message_unref(reply);
    }
    return owned;
}

static inline pid_t owner_pid(DBusConnection *c, const char *name) {
    DBusMessage *reply = call_bus(c, "GetConnectionUnixProcessID", name);
    dbus_uint32_t pid = 0;
    if (reply) {
        dbus_message_get_args(reply, NULL, DBUS_TYPE_UINT32, &pid, DBUS_TYPE_INVALID);
        dbus_message_unref(reply);
    }
    return (pid_t)pid;
}

/* A "Key:   N kB" line of /proc/PID/status (VmRSS, RssAnon…), in KiB; -1 if absent. */
static inline long status_kb(pid_t pid, const char *key) {
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    long kb = -1;
    size_t k = strlen(key);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, key, k) == 0 && line[k] == ':') kb = atol(line + k + 1);
    fclose(f);
    return kb;
}

static inline int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Sorts values[0..n) in place and returns their median. */
static inline double median(double *values, int n) {
    qsort(values, (size_t)n, sizeof *values, compare_doubles);
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

/* One figure for bench-table.sh: "KEY SERVICE VALUE", appended to the file $BENCH_FIGURES (if set). */
static inline void figure(const char *key, const char *service, const char *format, ...) {
    const char *path = getenv("BENCH_FIGURES");
    if (!path || !*path) return;
    FILE *f = fopen(path, "a");
    if (!f) return;
    va_list args;
    va_start(args, format);
    fprintf(f, "%s %s ", key, service);
    vfprintf(f, format, args);
    fputc('\n', f);
    va_end(args);
    fclose(f);
}

#endif
