#include "model/digest_document.h"

#include <algorithm>

#include "model/enum_text.h"
#include "model/json.h"

namespace reflexio {

namespace {

constexpr EnumText<DigestDayStatus> kStatuses[] = {
    {DigestDayStatus::kOk, "ok"}, {DigestDayStatus::kDegraded, "degraded"}, {DigestDayStatus::kEmpty, "empty"}};

}  // namespace

const char* ToString(DigestDayStatus status) { return TextOf(kStatuses, status); }
std::optional<DigestDayStatus> ParseDigestDayStatus(std::string_view text) { return EnumOf(kStatuses, text); }
REFLEXIO_ENUM_JSON(DigestDayStatus, ParseDigestDayStatus)

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(DigestSource, episode_id, recording_id, segment, start_s, end_s,
                                                captured_at, local_time, quote)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(DigestSummary, text, sources)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(DigestFigures, recordings, speech_minutes, words, episodes,
                                                trusted_share)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(DigestMoment, episode_id, start, end, local_start, local_end, summary,
                                                urgency, provisional, sources)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(DigestEmotion, episode_id, at, local_time, valence, arousal, quadrant,
                                                emotions, sources)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(DigestAction, id, text, who, commitment, due_date, state, sources)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(DigestMention, text, mentions, sources)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(DigestComparison, new_topics, repeating_topics, new_people,
                                                repeating_people)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(DigestMemoryEntry, id, kind, label, detail, episodes, learned_today)

void to_json(nlohmann::json& j, const DigestActions& a) { j = {{"new", a.added}, {"due", a.due}, {"done", a.done}}; }
void from_json(const nlohmann::json& j, DigestActions& a) {
  a.added = j.value("new", std::vector<DigestAction>{});
  a.due = j.value("due", std::vector<DigestAction>{});
  a.done = j.value("done", std::vector<DigestAction>{});
}

void to_json(nlohmann::json& j, const DigestDocument& d) {
  j = {{"format", kDigestFormat},
       {"tenant_id", d.tenant_id},
       {"date", d.date},
       {"timezone", d.timezone},
       {"status", d.status},
       {"degraded_reasons", d.degraded_reasons},
       {"provisional", d.provisional},
       {"summary", d.summary},
       {"figures", d.figures},
       {"speech_minutes_by_hour", d.speech_minutes_by_hour},
       {"timeline", d.timeline},
       {"emotions", d.emotions},
       {"actions", d.actions},
       {"people", d.people},
       {"topics", d.topics},
       {"compared_with_last_7_days", d.compared_with_last_7_days},
       {"memory", d.memory},
       {"sources", d.sources}};
}

void from_json(const nlohmann::json& j, DigestDocument& d) {
  const DigestDocument defaults;
  d.tenant_id = j.value("tenant_id", defaults.tenant_id);
  d.date = j.value("date", defaults.date);
  d.timezone = j.value("timezone", defaults.timezone);
  d.status = j.value("status", defaults.status);
  d.degraded_reasons = j.value("degraded_reasons", defaults.degraded_reasons);
  d.provisional = j.value("provisional", defaults.provisional);
  d.summary = j.value("summary", defaults.summary);
  d.figures = j.value("figures", defaults.figures);
  d.speech_minutes_by_hour = j.value("speech_minutes_by_hour", defaults.speech_minutes_by_hour);
  d.timeline = j.value("timeline", defaults.timeline);
  d.emotions = j.value("emotions", defaults.emotions);
  d.actions = j.value("actions", defaults.actions);
  d.people = j.value("people", defaults.people);
  d.topics = j.value("topics", defaults.topics);
  d.compared_with_last_7_days = j.value("compared_with_last_7_days", defaults.compared_with_last_7_days);
  d.memory = j.value("memory", defaults.memory);
  d.sources = j.value("sources", defaults.sources);
}

Result<DigestDocument> ParseDigestDocument(std::string_view json_text) {
  nlohmann::json j = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || j.value("format", "") != kDigestFormat) {
    return InvalidArgument(std::string("not a digest document (format ") + kDigestFormat + ")", "invalid_digest");
  }
  try {
    return j.get<DigestDocument>();
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgument(std::string("a digest document that does not read: ") + e.what(), "invalid_digest");
  }
}

std::vector<std::string> DigestNotes(const DigestDocument& d) {
  std::vector<std::string> notes;
  if (d.provisional) {
    auto count = std::count_if(d.timeline.begin(), d.timeline.end(), [](const DigestMoment& m) { return m.provisional; });
    bool one = count == 1;
    notes.push_back("provisional: " + std::to_string(count) + (one ? " conversation" : " conversations") +
                    " not yet understood " + (one ? "was" : "were") +
                    " read on the spot; this digest is rebuilt once understanding reaches " + (one ? "it" : "them"));
  }
  notes.insert(notes.end(), d.degraded_reasons.begin(), d.degraded_reasons.end());
  return notes;
}

std::vector<std::pair<std::string, const DigestSource*>> DigestDocument::SourcesInOrder() const {
  std::vector<std::pair<std::string, const DigestSource*>> ordered;
  for (size_t n = 1; n <= sources.size(); ++n) {
    std::string id = "S" + std::to_string(n);
    auto found = sources.find(id);
    if (found != sources.end()) ordered.emplace_back(id, &found->second);
  }
  return ordered;
}

}  // namespace reflexio
