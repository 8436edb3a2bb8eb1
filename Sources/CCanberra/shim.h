#ifndef TRAINBELL_CCANBERRA_SHIM_H
#define TRAINBELL_CCANBERRA_SHIM_H
/* The system libcanberra for Swift (event sounds through PulseAudio/PipeWire, ALSA, ...). Nothing is
   wrapped: trainbelld builds a ca_proplist and calls ca_context_play_full, never the variadic
   ca_context_play, and the CA_PROP_* names are plain string macros Swift imports. */
#include <canberra.h>
#endif
