#include "storage/testing/test_backend.h"

#include "core/check.h"
#include "core/ids.h"
#include "storage/postgres_database.h"
#include "storage/sqlite_database.h"

namespace reflexio::testing {

TestBackend OpenTestBackend(const std::string& backend, const std::filesystem::path& dir, const Clock& clock,
                            int pool_size) {
  TestBackend opened;
  if (backend == "postgres") {
    opened.pg = std::make_unique<PostgresTestDatabase>();
    auto db = PostgresDatabase::Open(opened.pg->app_url(), pool_size, EmbeddedPostgresMigrations(), clock);
    REFLEXIO_CHECK(db.ok(), "cannot open the test PostgreSQL database: " + db.status().ToString());
    opened.db = std::move(db).value();
  } else {
    REFLEXIO_CHECK(backend == "sqlite", "no backend named " + backend);
    auto db = SqliteDatabase::Open(dir / "reflexio.db", EmbeddedSqliteMigrations(), clock);
    REFLEXIO_CHECK(db.ok(), "cannot open the test SQLite database: " + db.status().ToString());
    opened.db = std::move(db).value();
  }
  return opened;
}

Recording AddTranscribedRecording(Database& db, const std::string& tenant_id, double speech_s, TimePoint at) {
  Recording r;
  r.tenant_id = tenant_id;
  r.id = NewId();
  r.content_type = "audio/wav";
  r.body_sha256 = "00";
  r.captured_at = r.received_at = at;
  r.source_path = "incoming/" + r.id;
  REFLEXIO_CHECK(db.InsertRecording(r, "transcribe", 3).ok(), "cannot insert the test recording");
  auto job = db.ClaimJob("test", 60);
  REFLEXIO_CHECK(job.ok() && job->has_value() && (*job)->recording_id == r.id, "the queue held another job");
  Transcription t;
  t.speech_s = speech_s;
  t.duration_s = speech_s;
  REFLEXIO_CHECK(db.CompleteTranscription(**job, t).ok(), "cannot complete the test recording");
  r.status = RecordingStatus::kTranscribed;
  r.speech_s = speech_s;
  return r;
}

}  // namespace reflexio::testing
