#include "storage/database.h"

#include <algorithm>

namespace reflexio {

SpeechCharge ApportionCharge(SpeechCharge charge, double day_speech_before_s, double bonus_left_s) {
  charge.bonus_s = 0;
  charge.over_s = 0;
  if (!charge.allowance_s) return charge;
  double allowance = *charge.allowance_s;
  double beyond_before = std::max(0.0, day_speech_before_s - allowance);
  double beyond_after = std::max(0.0, day_speech_before_s + charge.speech_s - allowance);
  double excess = beyond_after - beyond_before;
  charge.bonus_s = std::min(excess, std::max(0.0, bonus_left_s));
  charge.over_s = excess - charge.bonus_s;
  return charge;
}

Stores PlainStores(Database& db) {
  return Stores{db, db, db, db, db, db, db, db, db, db, db, db, db, db};
}

}  // namespace reflexio
