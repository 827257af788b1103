#include "text/pii.h"

#include <algorithm>
#include <cctype>
#include <regex>

namespace reflexio {

namespace {

std::string DigitsOf(std::string_view text) {
  std::string digits;
  for (char c : text) {
    if (c >= '0' && c <= '9') digits += c;
  }
  return digits;
}

bool LooksRandom(std::string_view token) {
  int lower = 0, upper = 0, digit = 0;
  for (char c : token) {
    if (std::islower(static_cast<unsigned char>(c))) ++lower;
    else if (std::isupper(static_cast<unsigned char>(c))) ++upper;
    else if (std::isdigit(static_cast<unsigned char>(c))) ++digit;
  }
  // Words, even long ones, are letters; a key mixes classes.
  return digit >= 4 && (lower + upper) >= 8 && (lower > 0 || upper > 0);
}

struct Detector {
  PiiKind kind;
  std::regex pattern;
  bool (*accept)(std::string_view match);
};

const std::vector<Detector>& Detectors() {
  auto always = [](std::string_view) { return true; };
  static const std::vector<Detector> detectors = [&] {
    std::vector<Detector> d;
    auto add = [&](PiiKind kind, const char* pattern, bool (*accept)(std::string_view)) {
      d.push_back({kind, std::regex(pattern, std::regex::ECMAScript | std::regex::optimize), accept});
    };
    // Order matters: earlier detectors win overlapping text.
    add(PiiKind::kSecret,
        R"((?:sk|pk|rk)-[A-Za-z0-9_-]{16,}|sk_(?:live|test)_[A-Za-z0-9]{16,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}|xox[baprs]-[A-Za-z0-9-]{10,}|rfx_[A-Za-z0-9_-]{20,}|\b\d{8,10}:[A-Za-z0-9_-]{35}\b)",
        always);
    add(PiiKind::kEmail, R"([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})", always);
    add(PiiKind::kIban, R"(\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b)", [](std::string_view m) { return PassesIbanChecksum(m); });
    add(PiiKind::kCardNumber, R"(\b\d(?:[ -]?\d){12,18}\b)", [](std::string_view m) {
      std::string digits = DigitsOf(m);
      return digits.size() >= 13 && digits.size() <= 19 && PassesLuhn(digits);
    });
    // +7 / 8 numbers: Russia (+7 3xx–9xx) and Kazakhstan (+7 7xx) share the country code.
    add(PiiKind::kPhone, R"((?:\+7|\b8)[ -]?\(?\d{3}\)?[ -]?\d{3}[ -]?\d{2}[ -]?\d{2}\b)", always);
    add(PiiKind::kPhone, R"(\+[1-9]\d{0,2}(?:[ .-]?\(?\d{1,4}\)?){2,5}\b)", [](std::string_view m) {
      size_t digits = DigitsOf(m).size();
      return digits >= 8 && digits <= 15;
    });
    add(PiiKind::kRussianPassport, R"(\b\d{2} ?\d{2} ?(?:№ ?)?\d{6}\b)", always);
    add(PiiKind::kSecret, R"(\b[A-Za-z0-9_-]{32,}\b)", [](std::string_view m) { return LooksRandom(m); });
    return d;
  }();
  return detectors;
}

}  // namespace

const char* ToString(PiiKind kind) {
  switch (kind) {
    case PiiKind::kEmail: return "email";
    case PiiKind::kPhone: return "phone";
    case PiiKind::kCardNumber: return "card_number";
    case PiiKind::kIban: return "iban";
    case PiiKind::kRussianPassport: return "passport_ru";
    case PiiKind::kSecret: return "secret";
  }
  return "pii";
}

bool PassesLuhn(std::string_view digits) {
  int sum = 0;
  bool twice = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (*it < '0' || *it > '9') return false;
    int d = *it - '0';
    if (twice) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
    twice = !twice;
  }
  return !digits.empty() && sum % 10 == 0;
}

bool PassesIbanChecksum(std::string_view iban) {
  std::string compact;
  for (char c : iban) {
    if (c != ' ') compact += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  if (compact.size() < 15 || compact.size() > 34) return false;
  std::string rearranged = compact.substr(4) + compact.substr(0, 4);
  int remainder = 0;
  for (char c : rearranged) {
    if (c >= '0' && c <= '9') {
      remainder = (remainder * 10 + (c - '0')) % 97;
    } else if (c >= 'A' && c <= 'Z') {
      remainder = (remainder * 100 + (c - 'A' + 10)) % 97;
    } else {
      return false;
    }
  }
  return remainder == 1;
}

std::vector<PiiMatch> FindPii(std::string_view text) {
  std::vector<PiiMatch> found;
  std::string subject(text);
  for (const Detector& detector : Detectors()) {
    for (std::sregex_iterator it(subject.begin(), subject.end(), detector.pattern), end; it != end; ++it) {
      size_t begin = static_cast<size_t>(it->position()), stop = begin + static_cast<size_t>(it->length());
      if (!detector.accept(std::string_view(subject).substr(begin, stop - begin))) continue;
      bool overlaps = std::any_of(found.begin(), found.end(),
                                  [&](const PiiMatch& m) { return begin < m.end && m.begin < stop; });
      if (!overlaps) found.push_back({detector.kind, begin, stop});
    }
  }
  std::sort(found.begin(), found.end(), [](const PiiMatch& a, const PiiMatch& b) { return a.begin < b.begin; });
  return found;
}

std::string MaskPii(std::string_view text, const std::vector<PiiMatch>& matches) {
  std::string out;
  size_t at = 0;
  for (const PiiMatch& m : matches) {
    out.append(text.substr(at, m.begin - at));
    std::string label = ToString(m.kind);
    std::transform(label.begin(), label.end(), label.begin(), [](unsigned char c) { return std::toupper(c); });
    out += "[" + label + "]";
    at = m.end;
  }
  out.append(text.substr(at));
  return out;
}

}  // namespace reflexio
