// The daily digest as Telegram messages: the summary, the day's figures, actions (new, due,
// done), people and topics, in Telegram's HTML parse mode.
//
// Telegram takes at most kTelegramTextLimit characters per message, counted after its HTML is
// parsed, in UTF-16 code units; RenderTelegramMessages splits between lines, a line too long for
// one message between words (or, failing that, between code points), and never inside a tag or
// an entity, so every part is valid HTML on its own. Everything taken from the digest is escaped
// (EscapeHtml, text/normalize.h). Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "model/digest_document.h"

namespace reflexio {

inline constexpr size_t kTelegramTextLimit = 4096;

// The length Telegram counts: tags dropped, entities decoded, UTF-16 code units.
size_t TelegramTextLength(const std::string& html);

// A digest as one or more messages of at most `limit`.
std::vector<std::string> RenderTelegramMessages(const DigestDocument& digest, size_t limit = kTelegramTextLimit);

// The caption of the PDF sent after the messages (short: captions take 1,024 characters).
std::string TelegramDocumentCaption(const DigestDocument& digest);

}  // namespace reflexio
