#include "text/normalize.h"

#include <algorithm>

#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <sstream>

namespace reflexio {

namespace {
bool IsApostrophe(UChar32 c) { return c == '\'' || c == 0x2019; }
bool IsWordChar(UChar32 c) { return u_isalpha(c) || u_isdigit(c) || u_hasBinaryProperty(c, UCHAR_ALPHABETIC); }
}  // namespace

std::string NormalizeText(std::string_view utf8) {
  UErrorCode error = U_ZERO_ERROR;
  icu::UnicodeString text = icu::UnicodeString::fromUTF8(
      icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(error);
  if (U_SUCCESS(error)) {
    icu::UnicodeString composed = nfc->normalize(text, error);
    if (U_SUCCESS(error)) text = composed;
  }
  text.toLower(icu::Locale::getRoot());

  // Pass 1: map to letters/digits/apostrophes, everything else to space.
  std::vector<UChar32> chars;
  for (int32_t i = 0; i < text.length();) {
    UChar32 c = text.char32At(i);
    i += U16_LENGTH(c);
    if (IsWordChar(c)) chars.push_back(c);
    else if (IsApostrophe(c)) chars.push_back('\'');
    else chars.push_back(' ');
  }
  // Pass 2: keep an apostrophe only between two word characters; collapse spaces.
  icu::UnicodeString out;
  bool pending_space = false;
  for (size_t i = 0; i < chars.size(); ++i) {
    UChar32 c = chars[i];
    if (c == '\'') {
      bool inside = i > 0 && i + 1 < chars.size() && IsWordChar(chars[i - 1]) && IsWordChar(chars[i + 1]);
      if (!inside) continue;
    }
    if (c == ' ') {
      pending_space = !out.isEmpty();
      continue;
    }
    if (pending_space) out.append(static_cast<UChar32>(' '));
    pending_space = false;
    out.append(c);
  }
  std::string result;
  out.toUTF8String(result);
  return result;
}

std::vector<std::string> NormalizedWords(std::string_view utf8) {
  std::vector<std::string> words;
  std::istringstream in(NormalizeText(utf8));
  std::string word;
  while (in >> word) words.push_back(word);
  return words;
}

std::string JoinWords(const std::vector<std::string>& words, size_t from, size_t to) {
  std::string out;
  for (size_t i = from; i < to && i < words.size(); ++i) out += (out.empty() ? "" : " ") + words[i];
  return out;
}

size_t CodePointCount(std::string_view utf8) {
  return static_cast<size_t>(std::count_if(utf8.begin(), utf8.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

std::string EscapeHtml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace reflexio
