#include "text/pii.h"

#include <gtest/gtest.h>

namespace reflexio {
namespace {

std::vector<std::string> Kinds(std::string_view text) {
  std::vector<std::string> kinds;
  for (const auto& m : FindPii(text)) kinds.push_back(ToString(m.kind));
  return kinds;
}

using Kind = std::vector<std::string>;

TEST(Pii, FindsEachKindInEnglish) {
  EXPECT_EQ(Kinds("mail jane.doe+work@example.co.uk today"), Kind{"email"});
  EXPECT_EQ(Kinds("call +1 (415) 555-2671 or +44 20 7946 0958"), (Kind{"phone", "phone"}));
  EXPECT_EQ(Kinds("my card is 4111 1111 1111 1111, expiry soon"), Kind{"card_number"});
  EXPECT_EQ(Kinds("card 5500-0000-0000-0004"), Kind{"card_number"});
  EXPECT_EQ(Kinds("wire it to DE89 3704 0044 0532 0130 00 please"), Kind{"iban"});
  EXPECT_EQ(Kinds("the key is sk-proj1234567890abcdefXYZ and AKIAIOSFODNN7EXAMPLE"), (Kind{"secret", "secret"}));
  EXPECT_EQ(Kinds("token ghp_abcdefghijklmnopqrstuvwxyz0123456789"), Kind{"secret"});
  EXPECT_EQ(Kinds("bot 123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0 here"), Kind{"secret"});
  EXPECT_EQ(Kinds("random Zx8Qm2Lp9Rt4Vb7Nc1Kd5Hs3Jf6Gw0Ya"), Kind{"secret"});
}

TEST(Pii, FindsEachKindInRussianAndKazakh) {
  EXPECT_EQ(Kinds("Напишите мне на ivan.petrov@mail.ru или позвоните +7 (916) 123-45-67"), (Kind{"email", "phone"}));
  EXPECT_EQ(Kinds("мой номер 8 916 123 45 67"), Kind{"phone"});
  EXPECT_EQ(Kinds("Алматы: +7 701 234 56 78"), Kind{"phone"}) << "Kazakh mobile";
  EXPECT_EQ(Kinds("счёт KZ86125KZT5004100100 в банке"), Kind{"iban"});
  EXPECT_EQ(Kinds("паспорт 45 09 123456 выдан"), Kind{"passport_ru"});
  EXPECT_EQ(Kinds("серия и номер 4509 № 123456"), Kind{"passport_ru"});
  EXPECT_EQ(Kinds("карта 4276 3800 1234 5679"), Kind{"card_number"});
}

TEST(Pii, OrdinaryNumbersAndWordsAreNotPii) {
  EXPECT_TRUE(Kinds("We met on 2026-11-26 at 10:30 and paid 1500 rubles for 3 tickets").empty());
  EXPECT_TRUE(Kinds("Встреча 26.11.2026 в 10:30, бюджет 1 500 000 рублей").empty());
  EXPECT_TRUE(Kinds("card 1234 5678 9012 3456 fails Luhn").empty());
  EXPECT_TRUE(Kinds("DE89 3704 0044 0532 0130 02 has a wrong checksum").empty());
  EXPECT_TRUE(Kinds("pneumonoultramicroscopicsilicovolcanoconiosis is a long word").empty());
  EXPECT_TRUE(Kinds("").empty());
}

TEST(Pii, MaskingReplacesEachMatchByItsKind) {
  std::string text = "Позвоните +7 (916) 123-45-67 или напишите ivan@mail.ru, карта 4111 1111 1111 1111.";
  EXPECT_EQ(MaskPii(text, FindPii(text)), "Позвоните [PHONE] или напишите [EMAIL], карта [CARD_NUMBER].");
  std::string english = "Send the report to jane@example.com and the key AKIAIOSFODNN7EXAMPLE";
  EXPECT_EQ(MaskPii(english, FindPii(english)), "Send the report to [EMAIL] and the key [SECRET]");
  EXPECT_EQ(MaskPii("nothing here", {}), "nothing here");
}

TEST(Pii, Checksums) {
  EXPECT_TRUE(PassesLuhn("79927398713"));
  EXPECT_FALSE(PassesLuhn("79927398710"));
  EXPECT_FALSE(PassesLuhn(""));
  EXPECT_TRUE(PassesIbanChecksum("GB82 WEST 1234 5698 7654 32"));
  EXPECT_FALSE(PassesIbanChecksum("GB82 WEST 1234 5698 7654 33"));
}

}  // namespace
}  // namespace reflexio
