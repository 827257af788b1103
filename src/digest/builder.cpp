#include "digest/builder.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "core/local_time.h"
#include "memory/evidence.h"
#include "text/normalize.h"

namespace reflexio {

namespace {

using json = nlohmann::json;

constexpr int kPageSize = 500;
constexpr size_t kQuoteChars = 160;

template <typename T, typename Fetch>
Result<std::vector<T>> All(Fetch fetch) {
  std::vector<T> out;
  std::string cursor;
  while (true) {
    ASSIGN_OR_RETURN(Page<T> page, fetch(cursor));
    for (auto& item : page.items) out.push_back(std::move(item));
    if (!page.next_cursor) return out;
    cursor = *page.next_cursor;
  }
}

std::string Quote(const std::string& text) {
  if (text.size() <= kQuoteChars) return text;
  size_t cut = text.rfind(' ', kQuoteChars);
  return text.substr(0, cut == std::string::npos ? kQuoteChars : cut) + " …";
}

double Round(double value, int digits) {
  double scale = std::pow(10, digits);
  return std::round(value * scale) / scale;
}

}  // namespace

struct DigestBuilder::Material {
  LocalDayBounds bounds;
  std::vector<Recording> recordings;
  std::vector<Insight> insights;     // of episodes of the day (by `at`)
  std::vector<Insight> due_actions;  // due on the day, whenever they were said
  std::vector<Insight> done_actions; // marked done during the day
  std::vector<Insight> memory;       // core entries last heard of during the day
  std::vector<Insight> earlier;      // topics and people of the 7 days before
  std::vector<Episode> episodes;
};

Result<DigestBuilder::Material> DigestBuilder::Collect(const DigestDay& day) {
  Material m;
  ASSIGN_OR_RETURN(m.bounds, LocalDay(day.date, day.timezone));
  TimeRange range{m.bounds.start, m.bounds.end};
  const std::string& tenant = day.tenant_id;
  ASSIGN_OR_RETURN(m.recordings, All<Recording>([&](const std::string& c) {
                     return stores_.recordings.ListRecordings(tenant, range, kPageSize, c);
                   }));
  ASSIGN_OR_RETURN(m.insights, All<Insight>([&](const std::string& c) {
                     return stores_.insights.ListInsights(tenant, {.scope = "episode", .range = range}, kPageSize, c);
                   }));
  ASSIGN_OR_RETURN(auto actions, All<Insight>([&](const std::string& c) {
                     return stores_.insights.ListInsights(tenant, {.scope = "episode", .kind = "action"}, kPageSize, c);
                   }));
  for (Insight& a : actions) {
    bool in_day = a.at >= m.bounds.start && a.at < m.bounds.end;
    if (a.due_date == day.date && !in_day) m.due_actions.push_back(a);
    if (a.state == "done" && a.updated_at >= m.bounds.start && a.updated_at < m.bounds.end) m.done_actions.push_back(a);
  }
  ASSIGN_OR_RETURN(auto memory, All<Insight>([&](const std::string& c) {
                     return stores_.insights.ListInsights(tenant, {.scope = "core"}, kPageSize, c);
                   }));
  for (Insight& entry : memory) {
    // What the day taught memory: entries last heard of in it (capture time, not processing time).
    auto last_seen = ParseRfc3339(InsightBody(entry).value("last_seen", ""));
    if (last_seen.ok() && *last_seen >= m.bounds.start && *last_seen < m.bounds.end) m.memory.push_back(entry);
  }
  ASSIGN_OR_RETURN(auto week, LocalDay(AddDays(day.date, -7), day.timezone));
  TimeRange before{week.start, m.bounds.start};
  for (const char* kind : {"topic", "person"}) {
    ASSIGN_OR_RETURN(auto found, All<Insight>([&](const std::string& c) {
                       return stores_.insights.ListInsights(tenant, {.scope = "episode", .kind = kind, .range = before}, kPageSize, c);
                     }));
    m.earlier.insert(m.earlier.end(), found.begin(), found.end());
  }
  ASSIGN_OR_RETURN(m.episodes, All<Episode>([&](const std::string& c) {
                     return stores_.episodes.ListEpisodes(tenant, range, kPageSize, c);
                   }));
  // Oldest first everywhere: a day reads in the order it was lived.
  std::reverse(m.recordings.begin(), m.recordings.end());
  std::reverse(m.insights.begin(), m.insights.end());
  std::reverse(m.episodes.begin(), m.episodes.end());
  return m;
}

Result<json> DigestBuilder::Build(const DigestDay& day) {
  ASSIGN_OR_RETURN(Material m, Collect(day));
  const std::string& tenant = day.tenant_id;
  auto local_clock = [&](TimePoint t) -> std::string {
    auto clock = LocalClock(t, day.timezone);  // the zone was checked by LocalDay above
    return clock.ok() ? *clock : std::string("??:??:??");
  };

  // Segments of the day's recordings: figures, hours, and the quotes sources carry.
  std::map<std::string, std::vector<Segment>> segments_of;
  double speech_seconds = 0;
  int64_t words = 0, usable = 0, trusted = 0;
  std::vector<double> minutes_by_hour(24, 0.0);
  for (const Recording& r : m.recordings) {
    if (r.status != RecordingStatus::kTranscribed) continue;
    ASSIGN_OR_RETURN(auto segments, stores_.transcripts.GetSegments(tenant, r.id));
    for (const Segment& s : segments) {
      if (s.quality == "garbage") continue;
      ++usable;
      trusted += s.quality == "trusted" ? 1 : 0;
      words += static_cast<int64_t>(NormalizedWords(s.text).size());
      double seconds = std::max(0.0, s.end_s - s.start_s);
      speech_seconds += seconds;
      std::string clock = local_clock(s.captured_at);
      int hour = std::clamp(std::atoi(clock.substr(0, 2).c_str()), 0, 23);
      minutes_by_hour[static_cast<size_t>(hour)] += seconds / 60;
    }
    segments_of[r.id] = std::move(segments);
  }

  // Sources, numbered in the order statements first cite them.
  json sources = json::object();
  std::map<std::string, std::string> source_ids;
  auto cite = [&](const json& evidence) {
    json ids = json::array();
    for (const EvidenceRef& e : EvidenceFromJson(evidence)) {
      std::string key = e.recording_id + "/" + std::to_string(e.seq);
      auto known = source_ids.find(key);
      if (known == source_ids.end()) {
        std::string id = "S" + std::to_string(source_ids.size() + 1);
        known = source_ids.emplace(key, id).first;
        std::string quote;
        auto segments = segments_of.find(e.recording_id);
        if (segments == segments_of.end()) {
          auto fetched = stores_.transcripts.GetSegments(tenant, e.recording_id);
          segments = segments_of.emplace(e.recording_id, fetched.ok() ? *fetched : std::vector<Segment>{}).first;
        }
        for (const Segment& s : segments->second) {
          if (s.seq == e.seq) quote = Quote(s.text);
        }
        sources[id] = {{"episode_id", e.episode_id}, {"recording_id", e.recording_id}, {"segment", e.seq},
                       {"start_s", Round(e.start_s, 3)}, {"end_s", Round(e.end_s, 3)},
                       {"captured_at", FormatRfc3339(e.captured_at)}, {"local_time", local_clock(e.captured_at)},
                       {"quote", quote}};
      }
      if (std::find(ids.begin(), ids.end(), known->second) == ids.end()) ids.push_back(known->second);
    }
    return ids;
  };

  // What understanding said about each episode of the day.
  std::map<std::string, const Insight*> summary_of, session_of;
  for (const Insight& i : m.insights) {
    if (i.kind == "summary") summary_of[i.episode_id] = &i;
    if (i.kind == "session") session_of[i.episode_id] = &i;
  }
  json timeline = json::array();
  for (const Episode& e : m.episodes) {
    json item = {{"episode_id", e.id}, {"start", FormatRfc3339(e.started_at)}, {"end", FormatRfc3339(e.ended_at)},
                 {"local_start", local_clock(e.started_at).substr(0, 5)}, {"local_end", local_clock(e.ended_at).substr(0, 5)},
                 {"summary", nullptr}, {"urgency", nullptr}, {"sources", json::array()}};
    if (summary_of.count(e.id)) {
      json body = InsightBody(*summary_of[e.id]);
      item["summary"] = body.value("text", "");
      item["sources"] = cite(body.value("evidence", json::array()));
    }
    if (session_of.count(e.id)) item["urgency"] = InsightBody(*session_of[e.id])["fields"].value("urgency", "low");
    timeline.push_back(std::move(item));
  }

  json emotions = json::array();
  std::map<std::string, int> quadrants;
  std::map<std::string, std::pair<int, json>> people, topics;
  std::vector<std::string> people_order, topic_order;
  json new_actions = json::array();
  auto action_json = [&](const Insight& a) {
    json body = InsightBody(a);
    json fields = body.value("fields", json::object());
    return json{{"id", a.id}, {"text", body.value("text", "")}, {"who", fields.value("who", "")},
                {"commitment", fields.value("commitment", false)},
                {"due_date", a.due_date ? json(*a.due_date) : json(nullptr)}, {"state", a.state},
                {"sources", cite(body.value("evidence", json::array()))}};
  };
  for (const Insight& i : m.insights) {
    json body = InsightBody(i);
    if (i.kind == "emotion") {
      json fields = body.value("fields", json::object());
      std::string quadrant = fields.value("quadrant", "neutral");
      ++quadrants[quadrant];
      json parts = fields.value("parts", json::object());
      emotions.push_back({{"episode_id", i.episode_id}, {"at", FormatRfc3339(i.at)}, {"local_time", local_clock(i.at).substr(0, 5)},
                          {"valence", fields.value("valence", json(0.0))}, {"arousal", fields.value("arousal", json(nullptr))},
                          {"quadrant", quadrant},
                          {"emotions", parts.contains("words") ? parts["words"].value("emotions", json::object()) : json::object()},
                          {"sources", cite(body.value("evidence", json::array()))}});
    } else if (i.kind == "action") {
      new_actions.push_back(action_json(i));
    } else if (i.kind == "person" || i.kind == "topic") {
      auto& bucket = i.kind == "person" ? people : topics;
      auto& order = i.kind == "person" ? people_order : topic_order;
      std::string key = NormalizeText(body.value("text", ""));
      if (key.empty()) continue;
      if (!bucket.count(key)) {
        order.push_back(key);
        bucket[key] = {0, json{{"text", body.value("text", "")}, {"sources", json::array()}}};
      }
      bucket[key].first += 1;
      for (const json& id : cite(body.value("evidence", json::array()))) {
        json& list = bucket[key].second["sources"];
        if (std::find(list.begin(), list.end(), id) == list.end()) list.push_back(id);
      }
    }
  }
  auto ranked = [](std::map<std::string, std::pair<int, json>>& bucket, const std::vector<std::string>& order) {
    std::vector<std::string> keys = order;
    std::stable_sort(keys.begin(), keys.end(), [&](const auto& a, const auto& b) { return bucket[a].first > bucket[b].first; });
    json out = json::array();
    for (const auto& k : keys) {
      json item = bucket[k].second;
      item["mentions"] = bucket[k].first;
      out.push_back(item);
    }
    return out;
  };
  json people_json = ranked(people, people_order), topics_json = ranked(topics, topic_order);
  json due = json::array(), done = json::array();
  for (const Insight& a : m.due_actions) due.push_back(action_json(a));
  for (const Insight& a : m.done_actions) done.push_back(action_json(a));
  for (const json& a : new_actions) {
    if (a["due_date"] == day.date) due.push_back(a);
  }

  // Against the week before: what is new today, and what keeps coming back.
  std::set<std::string> earlier_topics, earlier_people;
  for (const Insight& i : m.earlier) {
    (i.kind == "topic" ? earlier_topics : earlier_people).insert(NormalizeText(InsightBody(i).value("text", "")));
  }
  json compared = {{"new_topics", json::array()}, {"repeating_topics", json::array()},
                   {"new_people", json::array()}, {"repeating_people", json::array()}};
  for (const std::string& k : topic_order) {
    compared[earlier_topics.count(k) ? "repeating_topics" : "new_topics"].push_back(topics[k].second["text"]);
  }
  for (const std::string& k : people_order) {
    compared[earlier_people.count(k) ? "repeating_people" : "new_people"].push_back(people[k].second["text"]);
  }

  json memory = json::array();
  for (const Insight& entry : m.memory) {
    json body = InsightBody(entry);
    std::string first_seen = body.value("first_seen", "");
    auto first = ParseRfc3339(first_seen);
    memory.push_back({{"id", entry.id}, {"kind", entry.kind}, {"label", body.value("label", "")},
                      {"detail", body.value("detail", json::object())},
                      {"episodes", body.value("episodes", json::array()).size()},
                      {"learned_today", first.ok() && *first >= m.bounds.start && *first < m.bounds.end}});
  }

  // Honesty about thin material.
  json reasons = json::array();
  double trusted_share = usable ? static_cast<double>(trusted) / static_cast<double>(usable) : 0;
  bool understood = !m.episodes.empty() &&
                    std::all_of(m.episodes.begin(), m.episodes.end(), [](const Episode& e) { return e.enriched_at.has_value(); });
  if (!m.recordings.empty()) {
    if (words < 40) reasons.push_back("little speech: " + std::to_string(words) + " words");
    if (usable > 0 && trusted_share < 0.5) reasons.push_back("mostly uncertain transcription");
    if (!understood) reasons.push_back("some conversations are not understood yet");
  }
  std::string status = m.recordings.empty() ? "empty" : reasons.empty() ? "ok" : "degraded";

  // The day in a few sentences, each part from the sections above.
  std::string text;
  json summary_sources = json::array();
  if (status == "empty") {
    text = "Nothing was recorded on " + day.date + ".";
  } else {
    char buf[160];
    std::snprintf(buf, sizeof buf, "%zu conversation%s, %.1f minutes of speech.", m.episodes.size(),
                  m.episodes.size() == 1 ? "" : "s", speech_seconds / 60);
    text = buf;
    if (!topics_json.empty()) {
      text += " About ";
      for (size_t t = 0; t < topics_json.size() && t < 3; ++t) {
        text += (t ? (t + 1 == std::min<size_t>(3, topics_json.size()) ? " and " : ", ") : "") +
                topics_json[t]["text"].get<std::string>();
        for (const json& s : topics_json[t]["sources"]) summary_sources.push_back(s);
      }
      text += ".";
    }
    if (!new_actions.empty()) text += " " + std::to_string(new_actions.size()) + " new action item(s)";
    if (!due.empty()) text += (new_actions.empty() ? " " : ", ") + std::to_string(due.size()) + " due today";
    if (!new_actions.empty() || !due.empty()) text += ".";
    if (!quadrants.empty()) {
      auto mood = std::max_element(quadrants.begin(), quadrants.end(),
                                   [](const auto& a, const auto& b) { return a.second < b.second; });
      text += " Mostly " + mood->first + ".";
    }
    if (status == "degraded") text += " Little could be understood from this day, so this digest may miss things.";
  }
  std::sort(summary_sources.begin(), summary_sources.end());
  summary_sources.erase(std::unique(summary_sources.begin(), summary_sources.end()), summary_sources.end());

  json hours = json::array();
  for (double minutes : minutes_by_hour) hours.push_back(Round(minutes, 2));
  return json{{"format", "reflexio-digest-1"},
              {"tenant_id", tenant},
              {"date", day.date},
              {"timezone", day.timezone},
              {"status", status},
              {"degraded_reasons", reasons},
              {"summary", {{"text", text}, {"sources", summary_sources}}},
              {"figures", {{"recordings", m.recordings.size()}, {"speech_minutes", Round(speech_seconds / 60, 2)},
                           {"words", words}, {"episodes", m.episodes.size()}, {"trusted_share", Round(trusted_share, 3)}}},
              {"speech_minutes_by_hour", hours},
              {"timeline", timeline},
              {"emotions", emotions},
              {"actions", {{"new", new_actions}, {"due", due}, {"done", done}}},
              {"people", people_json},
              {"topics", topics_json},
              {"compared_with_last_7_days", compared},
              {"memory", memory},
              {"sources", sources}};
}

}  // namespace reflexio
