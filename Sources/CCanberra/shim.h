#ifndef TRAINBELL_CCANBERRA_SHIM_H
#define TRAINBELL_CCANBERRA_SHIM_H
/* The system libcanberra for Swift (event sounds through PulseAudio/PipeWire, ALSA, ...). Nothing is
   wrapped: trainbelld builds a ca_proplist and calls ca_context_play_full, never the variadic
   ca_context_play, and the CA_PROP_* names are plain string macros Swift imports. The library is not
   linked: CLazyLibraries defines these functions and loads libcanberra.so.0 at the first call. */
#include <canberra.h>
#endif
