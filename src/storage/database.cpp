#include "storage/database.h"

namespace reflexio {

Stores PlainStores(Database& db) {
  return Stores{db, db, db, db, db, db, db, db, db, db, db};
}

}  // namespace reflexio
