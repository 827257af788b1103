// DigestBuilder: the daily digest of one tenant's local day, as JSON (format "reflexio-digest-1").
//
// Everything in it comes from what was stored for the day — recordings captured in it, their
// segments, and what understanding concluded (insights) — and every statement names its
// sources: ids into `sources`, each a segment (recording, position, capture time, local clock
// time and a short quote). A day with little or mostly uncertain material is "degraded" and says
// why instead of inventing content; a day with nothing is "empty" and says only that.
//
// The document's shape is model/digest_document.h. The same inputs give the same document.
//
// Thread-safe when the stores are.
#pragma once

#include <string>

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
  explicit DigestBuilder(const Stores& stores) : stores_(stores) {}
  Result<DigestDocument> Build(const DigestDay& day);

 private:
  Stores stores_;
};

}  // namespace reflexio
