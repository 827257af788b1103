#include "digest/telegram_message.h"

#include <unicode/unistr.h>

#include <algorithm>
#include <cstdio>

#include "text/normalize.h"

namespace reflexio {

namespace {

size_t Utf16Length(std::string_view utf8) {
  return static_cast<size_t>(
      icu::UnicodeString::fromUTF8(icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size()))).length());
}

size_t SequenceLength(unsigned char lead) {
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  if (lead >= 0xC0) return 2;
  return 1;
}

struct Line {
  std::string text;  // plain, escaped when rendered
  bool bold = false;
};

std::string Html(const Line& line) {
  std::string escaped = EscapeHtml(line.text);
  return line.bold ? "<b>" + escaped + "</b>" : escaped;
}

// Pieces of `text` of at most `limit` UTF-16 units: cut at the last space that fits, else at
// the last code point that fits.
std::vector<std::string> SplitPlainText(const std::string& text, size_t limit) {
  std::vector<std::string> pieces;
  size_t start = 0;
  while (start < text.size()) {
    size_t units = 0, pos = start, last_space = std::string::npos;
    while (pos < text.size()) {
      size_t n = std::min(SequenceLength(static_cast<unsigned char>(text[pos])), text.size() - pos);
      size_t width = n == 4 ? 2 : 1;
      if (units + width > limit) break;
      units += width;
      if (text[pos] == ' ') last_space = pos;
      pos += n;
    }
    if (pos == start) pos += std::min(SequenceLength(static_cast<unsigned char>(text[pos])), text.size() - pos);
    size_t end = pos;
    if (pos < text.size() && last_space != std::string::npos && last_space > start) end = last_space;
    pieces.push_back(text.substr(start, end - start));
    start = end;
    while (start < text.size() && text[start] == ' ' && end != pos) ++start;  // the space cut at
  }
  return pieces;
}

std::vector<std::string> Pack(const std::vector<Line>& lines, size_t limit) {
  std::vector<std::string> messages;
  std::string current;
  size_t current_length = 0;
  auto flush = [&] {
    if (!current.empty()) messages.push_back(current);
    current.clear();
    current_length = 0;
  };
  for (const Line& line : lines) {
    size_t length = Utf16Length(line.text);
    if (length > limit) {
      flush();
      for (const std::string& piece : SplitPlainText(line.text, limit)) messages.push_back(Html({piece, line.bold}));
      continue;
    }
    size_t joined = current.empty() ? length : current_length + 1 + length;
    if (joined > limit) flush();
    if (!current.empty()) {
      current += "\n";
      ++current_length;
    }
    current += Html(line);
    current_length += length;
  }
  flush();
  return messages;
}

std::string Figures(const DigestFigures& f) {
  char minutes[32];
  std::snprintf(minutes, sizeof minutes, "%.1f", f.speech_minutes);
  return std::to_string(f.recordings) + " recording(s) · " + minutes + " min of speech · " + std::to_string(f.words) +
         " words · " + std::to_string(f.episodes) + " conversation(s)";
}

std::string ActionLine(const DigestAction& a) {
  std::string line = "• " + a.text;
  if (!a.who.empty()) line += " — " + a.who;
  if (a.due_date) line += " (due " + *a.due_date + ")";
  if (a.commitment) line += " [commitment]";
  return line;
}

std::string Names(const std::vector<DigestMention>& items) {
  std::string out;
  for (const DigestMention& item : items) {
    if (item.text.empty()) continue;
    out += (out.empty() ? "" : ", ") + item.text;
  }
  return out;
}

}  // namespace

size_t TelegramTextLength(const std::string& html) {
  std::string text;
  for (size_t i = 0; i < html.size(); ++i) {
    if (html[i] == '<') {
      size_t close = html.find('>', i);
      if (close == std::string::npos) break;
      i = close;
    } else if (html[i] == '&') {
      size_t semi = html.find(';', i);
      if (semi == std::string::npos) break;
      text += 'x';  // one character, whichever entity it was
      i = semi;
    } else {
      text += html[i];
    }
  }
  return Utf16Length(text);
}

std::vector<std::string> RenderTelegramMessages(const DigestDocument& d, size_t limit) {
  std::vector<Line> lines;
  lines.push_back({"Reflexio · daily digest · " + d.date, true});
  for (const std::string& note : DigestNotes(d)) lines.push_back({"Note: " + note});
  lines.push_back({d.summary.text});
  if (d.status != DigestDayStatus::kEmpty) {
    lines.push_back({""});
    lines.push_back({Figures(d.figures)});
    for (const auto& [title, list] : {std::pair{"New actions", &d.actions.added}, std::pair{"Due today", &d.actions.due},
                                      std::pair{"Done", &d.actions.done}}) {
      if (list->empty()) continue;
      lines.push_back({""});
      lines.push_back({title, true});
      for (const DigestAction& a : *list) lines.push_back({ActionLine(a)});
    }
    std::string people = Names(d.people);
    std::string topics = Names(d.topics);
    if (!people.empty() || !topics.empty()) lines.push_back({""});
    if (!people.empty()) lines.push_back({"People: " + people});
    if (!topics.empty()) lines.push_back({"Topics: " + topics});
  }
  return Pack(lines, limit);
}

std::string TelegramDocumentCaption(const DigestDocument& d) {
  return EscapeHtml("The digest of " + d.date + " (" + d.timezone + "): timeline, emotions, actions and sources.");
}

}  // namespace reflexio
