#include "lazy.h"

void tb_lazy_load(struct tb_lazy_library *library) {
    library->handle = dlopen(library->soname, RTLD_NOW | RTLD_LOCAL);
    if (!library->handle) {
        const char *reason = dlerror();
        snprintf(library->error, sizeof library->error, "cannot load %s (%s): install %s", library->soname,
                 reason ? reason : "not found", library->package);
    }
}

void *tb_lazy_open(struct tb_lazy_library *library) {
    pthread_once(&library->once, library->load);
    return library->handle;
}

void *tb_lazy_symbol(struct tb_lazy_library *library, const char *name) {
    void *handle = tb_lazy_open(library);
    return handle ? dlsym(handle, name) : NULL;
}
