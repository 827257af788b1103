// PII detection in text that is about to leave the server: e-mail addresses, phone numbers
// (Russian and Kazakh +7/8 numbers, international +CC numbers), payment card numbers (13–19
// digits passing the Luhn check), IBANs (passing the ISO 13616 mod-97 check), Russian
// passport numbers (4-digit series + 6-digit number) and API-key-like secrets (known token
// shapes, and long random-looking strings of letters and digits).
//
// Checksums keep ordinary numbers (dates, amounts) from being taken for cards or IBANs. Matches
// never overlap; offsets are byte offsets into the UTF-8 text. Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace reflexio {

enum class PiiKind { kEmail, kPhone, kCardNumber, kIban, kRussianPassport, kSecret };
const char* ToString(PiiKind kind);  // email, phone, card_number, iban, passport_ru, secret

struct PiiMatch {
  PiiKind kind;
  size_t begin = 0;
  size_t end = 0;
};

std::vector<PiiMatch> FindPii(std::string_view text);  // in text order
// Each match replaced by its kind in brackets: "write to [EMAIL] or call [PHONE]".
std::string MaskPii(std::string_view text, const std::vector<PiiMatch>& matches);

bool PassesLuhn(std::string_view digits);
bool PassesIbanChecksum(std::string_view iban);  // spaces ignored

}  // namespace reflexio
