/* hardened-exec: runs a program under the seccomp rules that systemd 252 installs for
 * MemoryDenyWriteExecute=yes and RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 (src/shared/seccomp-util.c), so a
 * test can check that trainbelld works under trainbelld.service's hardening without a systemd user
 * manager.
 *
 *   hardened-exec PROGRAM [ARGUMENT...]   exec PROGRAM with the rules loaded
 *   hardened-exec --self-test             exit 0 when the rules refuse what they must
 *
 * Build: cc -o hardened-exec hardened-exec.c $(pkg-config --cflags --libs libseccomp)
 */
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <unistd.h>

static int load_rules(void) {
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx) return -ENOMEM;
    int r = 0;
    /* MemoryDenyWriteExecute=yes */
    r = r ?: seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(mmap), 1,
                              SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC | PROT_WRITE, PROT_EXEC | PROT_WRITE));
    r = r ?: seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(mprotect), 1,
                              SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, PROT_EXEC));
    r = r ?: seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(pkey_mprotect), 1,
                              SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, PROT_EXEC));
    r = r ?: seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(shmat), 1,
                              SCMP_A2(SCMP_CMP_MASKED_EQ, SHM_EXEC, SHM_EXEC));
    /* RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6: every other family refused, as systemd's
       allow-list does it (one rule a range, since a rule cannot compare one argument twice). */
    r = r ?: seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), 1,
                              SCMP_A0(SCMP_CMP_LT, AF_UNIX));
    for (int family = AF_INET + 1; family < AF_INET6; family++)
        r = r ?: seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), 1,
                                  SCMP_A0(SCMP_CMP_EQ, family));
    r = r ?: seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), 1,
                              SCMP_A0(SCMP_CMP_GT, AF_INET6));
    /* What an unprivileged user manager sets before loading filters. */
    if (r == 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) r = -errno;
    r = r ?: seccomp_load(ctx);
    seccomp_release(ctx);
    return r;
}

static int self_test(void) {
    int failures = 0;
    void *wx = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (wx != MAP_FAILED || errno != EPERM) { fprintf(stderr, "hardened-exec: a W+X mmap was allowed\n"); failures++; }
    void *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (w == MAP_FAILED) { perror("hardened-exec: mmap"); return 1; }
    if (mprotect(w, 4096, PROT_READ | PROT_EXEC) == 0 || errno != EPERM) {
        fprintf(stderr, "hardened-exec: mprotect(PROT_EXEC) was allowed\n");
        failures++;
    }
    int netlink = socket(AF_NETLINK, SOCK_RAW, 0);
    if (netlink >= 0 || errno != EAFNOSUPPORT) { fprintf(stderr, "hardened-exec: an AF_NETLINK socket was allowed\n"); failures++; }
    int packet = socket(AF_PACKET, SOCK_RAW, 0);
    if (packet >= 0 || errno != EAFNOSUPPORT) { fprintf(stderr, "hardened-exec: an AF_PACKET socket was allowed\n"); failures++; }
    int inet = socket(AF_INET6, SOCK_STREAM, 0);
    if (inet < 0) { fprintf(stderr, "hardened-exec: an AF_INET6 socket was refused (the sinks and the broker need it)\n"); failures++; }
    int unix_socket = socket(AF_UNIX, SOCK_STREAM, 0);
    if (unix_socket < 0) { fprintf(stderr, "hardened-exec: an AF_UNIX socket was refused\n"); failures++; }
    return failures == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: hardened-exec PROGRAM [ARGUMENT...] | --self-test\n");
        return 64;
    }
    int r = load_rules();
    if (r < 0) {
        fprintf(stderr, "hardened-exec: cannot load the seccomp rules: %s\n", strerror(-r));
        return 70;
    }
    if (strcmp(argv[1], "--self-test") == 0) return self_test();
    execvp(argv[1], argv + 1);
    fprintf(stderr, "hardened-exec: cannot run %s: %s\n", argv[1], strerror(errno));
    return 127;
}
