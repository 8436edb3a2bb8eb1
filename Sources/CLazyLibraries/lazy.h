#ifndef TRAINBELL_LAZY_H
#define TRAINBELL_LAZY_H
/* One lazily loaded library: its handle, opened once (pthread_once), and the reason it could not be. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

struct tb_lazy_library {
    const char *soname;
    const char *package; /* what to install: named in the error */
    void (*load)(void); /* calls tb_lazy_load on this library, under pthread_once */
    pthread_once_t once;
    void *handle;
    char error[512];
};

/* Opens the library (the first call), or gives NULL with `error` set. */
void tb_lazy_load(struct tb_lazy_library *library);
void *tb_lazy_open(struct tb_lazy_library *library);
void *tb_lazy_symbol(struct tb_lazy_library *library, const char *name);

/* Defines `RET NAME PARAMS` as a call through the library's NAME, or `return FAIL` when it cannot be
   loaded. The pointer is looked up once and kept (an atomic pointer, for callers on any thread). */
#define TB_LAZY(LIBRARY, RET, NAME, PARAMS, ARGS, FAIL)                                  \
    RET NAME PARAMS {                                                                     \
        typedef RET (*tb_fn) PARAMS;                                                      \
        static tb_fn fn;                                                                  \
        tb_fn f = __atomic_load_n(&fn, __ATOMIC_ACQUIRE);                                 \
        if (!f) {                                                                         \
            f = (tb_fn)tb_lazy_symbol(&LIBRARY, #NAME);                                   \
            if (!f) return FAIL;                                                          \
            __atomic_store_n(&fn, f, __ATOMIC_RELEASE);                                   \
        }                                                                                 \
        return f ARGS;                                                                    \
    }

#define TB_LAZY_VOID(LIBRARY, NAME, PARAMS, ARGS)                                         \
    void NAME PARAMS {                                                                    \
        typedef void (*tb_fn) PARAMS;                                                     \
        static tb_fn fn;                                                                  \
        tb_fn f = __atomic_load_n(&fn, __ATOMIC_ACQUIRE);                                 \
        if (!f) {                                                                         \
            f = (tb_fn)tb_lazy_symbol(&LIBRARY, #NAME);                                   \
            if (!f) return;                                                               \
            __atomic_store_n(&fn, f, __ATOMIC_RELEASE);                                   \
        }                                                                                 \
        f ARGS;                                                                           \
    }

#endif
