// The digest as a PDF, drawn with cairo and laid out with pango: a cover with the date and the
// day in brief, a page of charts (emotion through the day — valence from words, arousal from the
// voice — and speech minutes per local hour), then timeline, actions, people and topics, memory
// and the sources as time references. Fonts are DejaVu (Latin and Cyrillic), embedded as
// subsets. The same document gives the same bytes: the PDF's dates are the digest's date, not
// the clock. Thread-safe (each call has its own surface).
#pragma once

#include <string>

#include "core/status.h"
#include "model/digest_document.h"

namespace reflexio {

Result<std::string> RenderDigestPdf(const DigestDocument& digest);

}  // namespace reflexio
