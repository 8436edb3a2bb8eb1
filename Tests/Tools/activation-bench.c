/* activation-bench: how long the first call to a D-Bus activatable service takes (the bus starts the
 * service, the service takes its name, answers), and what the service costs while idle.
 *
 *   activation-bench ADDRESS RUNS IDLE_SECONDS NAME...
 *
 * RUNS rounds; in each, for every NAME in turn: stop the running owner if any, then time one
 * org.freedesktop.DBus.Peer.Ping to NAME from sending to the reply (the same message for every
 * service, answered by libdbus itself). Then leave the last instances alone for 1 s, and over
 * IDLE_SECONDS count their context switches (all threads, /proc/PID/task/ * /status: each one is a
 * wake-up), their CPU time (utime + stime of /proc/PID/stat) and resident memory (VmRSS, and of it
 * RssAnon: what is not pages of files, such as the program's text, that the kernel may drop).
 * With $BENCH_FIGURES set, the medians and idle figures are also appended there (bench-common.h).
 *
 * Build: cc -O2 -o activation-bench activation-bench.c $(pkg-config --cflags --libs dbus-1)
 */
#include "bench-common.h"
#include <dirent.h>
#include <signal.h>
#include <unistd.h>

static void stop_owner(DBusConnection *c, const char *name) {
    if (!has_owner(c, name)) return;
    pid_t pid = owner_pid(c, name);
    if (pid > 0) kill(pid, SIGTERM);
    for (int i = 0; i < 5000 && has_owner(c, name); i++) usleep(1000);
    /* Let the bus reap its child before the next activation. */
    usleep(20000);
}

/* Voluntary + involuntary context switches of every thread of pid. */
static long context_switches(pid_t pid) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", pid);
    DIR *tasks = opendir(path);
    if (!tasks) return -1;
    long total = 0;
    struct dirent *task;
    while ((task = readdir(tasks))) {
        if (task->d_name[0] == '.') continue;
        char status[320];
        snprintf(status, sizeof status, "/proc/%d/task/%s/status", pid, task->d_name);
        FILE *f = fopen(status, "r");
        if (!f) continue;
        char line[256];
        long n;
        while (fgets(line, sizeof line, f)) {
            if (sscanf(line, "voluntary_ctxt_switches: %ld", &n) == 1) total += n;
            if (sscanf(line, "nonvoluntary_ctxt_switches: %ld", &n) == 1) total += n;
        }
        fclose(f);
    }
    closedir(tasks);
    return total;
}

static int thread_count(pid_t pid) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", pid);
    DIR *tasks = opendir(path);
    if (!tasks) return -1;
    int n = 0;
    struct dirent *task;
    while ((task = readdir(tasks))) if (task->d_name[0] != '.') n++;
    closedir(tasks);
    return n;
}

/* utime + stime in clock ticks. */
static long cpu_ticks(pid_t pid) {
    char path[64], buffer[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t n = fread(buffer, 1, sizeof buffer - 1, f);
    fclose(f);
    buffer[n] = 0;
    char *p = strrchr(buffer, ')'); /* the command name may hold spaces */
    if (!p) return -1;
    unsigned long utime = 0, stime = 0;
    /* after ")": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2) return -1;
    return (long)(utime + stime);
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: activation-bench ADDRESS RUNS IDLE_SECONDS NAME...\n");
        return 64;
    }
    int runs = atoi(argv[2]), idle = atoi(argv[3]);
    DBusError error;
    dbus_error_init(&error);
    DBusConnection *c = dbus_connection_open_private(argv[1], &error);
    if (!c || !dbus_bus_register(c, &error)) {
        fprintf(stderr, "activation-bench: %s\n", error.message);
        return 1;
    }
    long hz = sysconf(_SC_CLK_TCK);
    int services = argc - 4;
    char **names = argv + 4;
    double *t = calloc((size_t)(services * runs), sizeof *t);
    /* Round-robin, so that a change in the machine's load touches every service alike. */
    for (int r = 0; r < runs; r++) {
        for (int i = 0; i < services; i++) {
            stop_owner(c, names[i]);
            DBusMessage *ping = dbus_message_new_method_call(names[i], "/", "org.freedesktop.DBus.Peer", "Ping");
            double t0 = now_ms();
            DBusMessage *reply = dbus_connection_send_with_reply_and_block(c, ping, 25000, &error);
            t[i * runs + r] = now_ms() - t0;
            dbus_message_unref(ping);
            if (!reply) {
                fprintf(stderr, "activation-bench: %s: %s\n", names[i], error.message);
                return 1;
            }
            dbus_message_unref(reply);
        }
    }
    /* The last instance of each stays: idle for 1 s, then measured over IDLE_SECONDS. */
    pid_t *pid = calloc((size_t)services, sizeof *pid);
    long *s0 = calloc((size_t)services, sizeof *s0), *c0 = calloc((size_t)services, sizeof *c0);
    for (int i = 0; i < services; i++) pid[i] = owner_pid(c, names[i]);
    sleep(1);
    for (int i = 0; i < services; i++) { s0[i] = context_switches(pid[i]); c0[i] = cpu_ticks(pid[i]); }
    sleep((unsigned)idle);
    printf("%-28s %8s %8s %8s %8s | over %d s idle: %8s %7s %8s %9s %7s\n", "first call, ms", "min", "median", "mean",
           "max", idle, "wake-ups", "CPU ms", "RSS KiB", "anon KiB", "threads");
    double first_median = 0;
    for (int i = 0; i < services; i++) {
        double *ti = t + i * runs, sum = 0;
        for (int r = 0; r < runs; r++) sum += ti[r];
        double m = median(ti, runs);
        if (i == 0) first_median = m;
        long s1 = context_switches(pid[i]), c1 = cpu_ticks(pid[i]);
        long rss = status_kb(pid[i], "VmRSS"), anon = status_kb(pid[i], "RssAnon");
        printf("%-28s %8.2f %8.2f %8.2f %8.2f | %*s %8ld %7ld %8ld %9ld %7d", names[i], ti[0], m, sum / runs,
               ti[runs - 1], (int)strlen("over  s idle:") + (idle >= 10 ? 2 : 1), "", s1 - s0[i],
               (c1 - c0[i]) * 1000 / hz, rss, anon, thread_count(pid[i]));
        if (i > 0) printf("   (median %.1fx the first)", m / first_median);
        printf("\n");
        figure("activation_ms", names[i], "%.3f", m);
        figure("activation_runs", names[i], "%d", runs);
        figure("idle_wakeups", names[i], "%ld", s1 - s0[i]);
        figure("idle_cpu_ms", names[i], "%ld", (c1 - c0[i]) * 1000 / hz);
        figure("idle_rss_kib", names[i], "%ld", rss);
        figure("idle_anon_kib", names[i], "%ld", anon);
    }
    for (int i = 0; i < services; i++) stop_owner(c, names[i]);
    dbus_connection_close(c);
    dbus_connection_unref(c);
    return 0;
}
