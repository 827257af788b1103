// A short clip of real speech built into the binary (src/app/CMakeLists.txt generates it from
// Debian's alsa-utils): a person saying "front center", as a WAV file. `reflexio check`
// transcribes it; `reflexio check --post-deploy` uploads it. Immutable; thread-safe.
#pragma once

#include <string_view>

namespace reflexio {

std::string_view SpeechClip();  // the WAV file's bytes

}  // namespace reflexio
