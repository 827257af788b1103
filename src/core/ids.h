// Identifiers: time-ordered UUIDv7 strings for every stored object.
//
// Ids sort by creation time, so keyset pagination and index locality come for free.
// NewId() is thread-safe.
#pragma once

#include <string>

#include "core/time.h"

namespace reflexio {

std::string NewId();
std::string NewIdAt(TimePoint t);

// True for the canonical lowercase 8-4-4-4-12 hex form NewId() produces.
bool LooksLikeId(const std::string& id);

}  // namespace reflexio
