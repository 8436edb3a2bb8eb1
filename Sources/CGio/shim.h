#ifndef TRAINBELL_CGIO_SHIM_H
#define TRAINBELL_CGIO_SHIM_H
/* GLib/GIO for Swift: the main loop, GSettings, GKeyFile.
 * Only what Swift cannot call directly (macros, casts between callback types) is wrapped here. */
#include <glib.h>
#include <glib-unix.h>
#include <gio/gio.h>

/* g_source_set_callback takes a GSourceFunc; a unix-fd source calls a GUnixFDSourceFunc. */
static inline void tb_unix_fd_source_set_callback(GSource *source, GUnixFDSourceFunc func,
                                                  gpointer data, GDestroyNotify notify) {
    g_source_set_callback(source, (GSourceFunc)(void (*)(void))func, data, notify);
}

/* The "changed" signal of GSettings: (GSettings*, const gchar *key, gpointer). */
typedef void (*tb_settings_changed_func)(GSettings *settings, const gchar *key, gpointer data);
static inline gulong tb_settings_connect_changed(GSettings *settings, const gchar *detailed_signal,
                                                 tb_settings_changed_func func, gpointer data) {
    return g_signal_connect_data(settings, detailed_signal, (GCallback)(void (*)(void))func, data, NULL, (GConnectFlags)0);
}
/* mallopt's parameters are macros, which Swift cannot see: large buffers mapped and unmapped at
 * once, glibc's growing threshold turned off, the top of the heap given back past `bytes`, one arena
 * (trainbelld's memory must not keep what it freed). */
#include <malloc.h>
static inline void tb_bound_freed_memory(int bytes) {
    mallopt(M_MMAP_THRESHOLD, bytes);
    mallopt(M_TRIM_THRESHOLD, bytes);
    mallopt(M_ARENA_MAX, 1);
}

/* Gives back to the kernel every whole free page of the heap, also those between allocations in use
 * (the trim threshold gives back only the top): what a burst of calls left free. Returns whether any
 * memory was released. */
static inline int tb_give_back_freed_memory(void) {
    return malloc_trim(0);
}

/* pidfd_open(2) (Linux 5.3): a descriptor that becomes readable when process `pid` ends, for the
 * loop to watch instead of a blocking waitpid. -1 with errno (ENOSYS on an older kernel). */
#include <sys/syscall.h>
#include <unistd.h>
static inline int tb_pidfd_open(int pid) {
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    errno = ENOSYS;
    return -1;
#endif
}

#endif
