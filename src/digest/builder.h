// DigestBuilder: the daily digest of one tenant's local day, as JSON (format "reflexio-digest-1").
//
// Everything in it comes from what was stored for the day — recordings captured in it, their
// segments, and what understanding concluded (insights) — and every statement names its
// sources: ids into `sources`, each a segment (recording, position, capture time, local clock
// time and a short quote). A day with little or mostly uncertain material is "degraded" and says
// why instead of inventing content; a day with nothing is "empty" and says only that.
//
// Given an understanding on the spot (digest/on_the_spot.h), the day's conversations that
// understanding has not reached yet — still open, closed moments ago, or speech not grouped yet —
// are covered provisionally: the digest marks them and itself so, and keeps nothing of it; the
// digest built once they are understood replaces it. Without one, or where it fails, such a
// conversation is listed without a summary and the day is degraded ("not understood yet").
//
// The document's shape is model/digest_document.h. The same inputs give the same document.
//
// Thread-safe when the stores and the understanding are.
#pragma once

#include <string>

#include "digest/on_the_spot.h"
#include "model/digest_document.h"
#include "storage/database.h"

namespace reflexio {

struct DigestDay {
  std::string tenant_id;
  std::string date;      // YYYY-MM-DD, local
  std::string timezone;  // IANA name
};

class DigestBuilder {
 public:
  explicit DigestBuilder(const Stores& stores, OnTheSpot on_the_spot = {}) : stores_(stores), on_the_spot_(on_the_spot) {}
  Result<DigestDocument> Build(const DigestDay& day);

 private:
  Stores stores_;
  OnTheSpot on_the_spot_;
};

}  // namespace reflexio
