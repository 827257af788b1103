// Due dates in speech: "tomorrow", "on friday", "next week", "in three days", "at five pm",
// "завтра", "в пятницу", "через два дня", "в пять часов" — found in a text and resolved against
// the moment it was said (capture time), never against the time it is processed.
//
// The day is reckoned in the zone `utc_offset_minutes` from UTC. A weekday means its next
// occurrence after the day of speech ("friday" said on a Friday is a week later). Pure
// functions, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/time.h"

namespace reflexio {

struct DueDate {
  std::string date;                // YYYY-MM-DD, local to the zone
  std::optional<std::string> time; // HH:MM when the speech named one
  std::string phrase;              // the words that said it, normalised
};

std::optional<DueDate> FindDueDate(std::string_view text, TimePoint said_at, int utc_offset_minutes = 0);

}  // namespace reflexio
