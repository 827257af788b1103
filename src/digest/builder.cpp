#include "digest/builder.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "core/local_time.h"
#include "digest/on_the_spot.h"
#include "model/insight_body.h"
#include "text/normalize.h"

namespace reflexio {

namespace {

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

bool Within(TimePoint t, const LocalDayBounds& bounds) { return t >= bounds.start && t < bounds.end; }

// What a day's digest is made of, oldest first everywhere: a day reads in the order it was lived.
struct Material {
  LocalDayBounds bounds;
  std::vector<Recording> recordings;
  std::vector<Insight> insights;      // of episodes of the day (by `at`)
  std::vector<Insight> due_actions;   // due on the day, said on another
  std::vector<Insight> done_actions;  // marked done during the day
  std::vector<std::pair<Insight, MemoryEntryBody>> memory;  // core entries last heard of during the day
  std::vector<Insight> earlier;       // topics and people of the 7 days before
  std::vector<Episode> episodes;
  std::set<std::string> provisional;  // episodes understood on the spot, their insights in `insights`
};

Result<Material> Collect(const Stores& stores, const DigestDay& day) {
  Material m;
  ASSIGN_OR_RETURN(m.bounds, LocalDay(day.date, day.timezone));
  TimeRange range{m.bounds.start, m.bounds.end};
  const std::string& tenant = day.tenant_id;
  auto insights = [&](InsightFilter filter) {
    return All<Insight>([&](const std::string& c) { return stores.insights.ListInsights(tenant, filter, kPageSize, c); });
  };
  ASSIGN_OR_RETURN(m.recordings, All<Recording>([&](const std::string& c) {
                     return stores.recordings.ListRecordings(tenant, range, kPageSize, c);
                   }));
  ASSIGN_OR_RETURN(m.insights, insights({.scope = InsightScope::kEpisode, .range = range}));
  ASSIGN_OR_RETURN(auto actions, insights({.scope = InsightScope::kEpisode, .kind = InsightKind::kAction}));
  for (Insight& a : actions) {
    if (a.due_date == day.date && !Within(a.at, m.bounds)) m.due_actions.push_back(a);
    if (a.state == InsightState::kDone && Within(a.updated_at, m.bounds)) m.done_actions.push_back(a);
  }
  ASSIGN_OR_RETURN(auto memory, insights({.scope = InsightScope::kCore}));
  for (Insight& entry : memory) {
    // What the day taught memory: entries last heard of in it (capture time, not processing time).
    MemoryEntryBody body = MemoryBodyOf(entry);
    if (body.last_seen && Within(*body.last_seen, m.bounds)) m.memory.emplace_back(entry, std::move(body));
  }
  ASSIGN_OR_RETURN(auto week, LocalDay(AddDays(day.date, -7), day.timezone));
  for (InsightKind kind : {InsightKind::kTopic, InsightKind::kPerson}) {
    ASSIGN_OR_RETURN(auto found, insights({.scope = InsightScope::kEpisode, .kind = kind,
                                           .range = {week.start, m.bounds.start}}));
    m.earlier.insert(m.earlier.end(), found.begin(), found.end());
  }
  ASSIGN_OR_RETURN(m.episodes, All<Episode>([&](const std::string& c) {
                     return stores.episodes.ListEpisodes(tenant, range, kPageSize, c);
                   }));
  std::reverse(m.recordings.begin(), m.recordings.end());
  std::reverse(m.insights.begin(), m.insights.end());
  std::reverse(m.episodes.begin(), m.episodes.end());
  return m;
}

// Adds what was understood on the spot: episodes stretched in memory replace their stored selves,
// new ones join, and the day's conversations and insights stay in the order they were lived.
void Add(UnderstoodOnTheSpot spot, Material& m) {
  for (Episode& episode : spot.episodes) {
    auto stored = std::find_if(m.episodes.begin(), m.episodes.end(), [&](const Episode& e) { return e.id == episode.id; });
    if (stored != m.episodes.end()) {
      *stored = std::move(episode);
    } else {
      m.episodes.push_back(std::move(episode));
    }
  }
  std::stable_sort(m.episodes.begin(), m.episodes.end(),
                   [](const Episode& a, const Episode& b) { return a.started_at < b.started_at; });
  m.insights.insert(m.insights.end(), spot.insights.begin(), spot.insights.end());
  std::stable_sort(m.insights.begin(), m.insights.end(), [](const Insight& a, const Insight& b) { return a.at < b.at; });
  m.provisional = std::move(spot.understood);
}

// People or topics of the day, by how many findings named them, first named first among equals.
class Mentions {
 public:
  void Add(const std::string& text, const SourceIds& sources) {
    std::string key = NormalizeText(text);
    if (key.empty()) return;
    auto [it, added] = by_key_.try_emplace(key, DigestMention{text, 0, {}});
    if (added) order_.push_back(key);
    it->second.mentions += 1;
    for (const std::string& id : sources) {
      if (std::find(it->second.sources.begin(), it->second.sources.end(), id) == it->second.sources.end()) {
        it->second.sources.push_back(id);
      }
    }
  }
  std::vector<DigestMention> Ranked() const {
    std::vector<std::string> keys = order_;
    std::stable_sort(keys.begin(), keys.end(),
                     [&](const auto& a, const auto& b) { return by_key_.at(a).mentions > by_key_.at(b).mentions; });
    std::vector<DigestMention> out;
    for (const auto& k : keys) out.push_back(by_key_.at(k));
    return out;
  }
  // In the order first named: the text of each, split by whether `earlier` (normalised) holds it.
  void SplitBy(const std::set<std::string>& earlier, std::vector<std::string>& repeating,
               std::vector<std::string>& fresh) const {
    for (const std::string& k : order_) (earlier.count(k) ? repeating : fresh).push_back(by_key_.at(k).text);
  }

 private:
  std::map<std::string, DigestMention> by_key_;
  std::vector<std::string> order_;
};

// Writes one day's document from its material, section by section.
class DayWriter {
 public:
  DayWriter(const Stores& stores, const DigestDay& day, const Material& m) : stores_(stores), day_(day), m_(m) {
    doc_.tenant_id = day.tenant_id;
    doc_.date = day.date;
    doc_.timezone = day.timezone;
  }

  Result<DigestDocument> Write() {
    RETURN_IF_ERROR(Figures());
    Timeline();
    Findings();
    Compare();
    Memory();
    Judge();
    Summarise();
    return std::move(doc_);
  }

 private:
  std::string ClockTime(TimePoint t) const {
    auto clock = LocalClock(t, day_.timezone);  // the zone was checked by LocalDay
    return clock.ok() ? *clock : std::string("??:??:??");
  }

  // Segments of the day's recordings: figures and hours (the segments are kept for quotes).
  Status Figures() {
    for (const Recording& r : m_.recordings) {
      if (r.status != RecordingStatus::kTranscribed) continue;
      ASSIGN_OR_RETURN(auto segments, stores_.transcripts.GetSegments(day_.tenant_id, r.id));
      for (const Segment& s : segments) {
        if (s.quality == "garbage") continue;
        ++usable_;
        trusted_ += s.quality == "trusted" ? 1 : 0;
        doc_.figures.words += static_cast<int64_t>(NormalizedWords(s.text).size());
        double seconds = std::max(0.0, s.end_s - s.start_s);
        speech_seconds_ += seconds;
        int hour = std::clamp(std::atoi(ClockTime(s.captured_at).substr(0, 2).c_str()), 0, 23);
        doc_.speech_minutes_by_hour[static_cast<size_t>(hour)] += seconds / 60;
      }
      segments_of_[r.id] = std::move(segments);
    }
    for (double& minutes : doc_.speech_minutes_by_hour) minutes = Round(minutes, 2);
    doc_.figures.recordings = static_cast<int64_t>(m_.recordings.size());
    doc_.figures.speech_minutes = Round(speech_seconds_ / 60, 2);
    doc_.figures.episodes = static_cast<int64_t>(m_.episodes.size());
    doc_.figures.trusted_share = Round(TrustedShare(), 3);
    return Status::Ok();
  }

  double TrustedShare() const { return usable_ ? static_cast<double>(trusted_) / static_cast<double>(usable_) : 0; }

  // Sources, numbered in the order statements first cite them.
  SourceIds Cite(const std::vector<Evidence>& evidence) {
    SourceIds ids;
    for (const Evidence& e : evidence) {
      std::string key = e.recording_id + "/" + std::to_string(e.seq);
      auto known = source_ids_.find(key);
      if (known == source_ids_.end()) {
        std::string id = "S" + std::to_string(source_ids_.size() + 1);
        known = source_ids_.emplace(key, id).first;
        doc_.sources[id] = {e.episode_id,     e.recording_id, e.seq, Round(e.start_s, 3), Round(e.end_s, 3),
                            e.captured_at,    ClockTime(e.captured_at), QuoteOf(e)};
      }
      if (std::find(ids.begin(), ids.end(), known->second) == ids.end()) ids.push_back(known->second);
    }
    return ids;
  }

  std::string QuoteOf(const Evidence& e) {
    auto segments = segments_of_.find(e.recording_id);
    if (segments == segments_of_.end()) {  // said on another day (an action due today)
      auto fetched = stores_.transcripts.GetSegments(day_.tenant_id, e.recording_id);
      segments = segments_of_.emplace(e.recording_id, fetched.ok() ? *fetched : std::vector<Segment>{}).first;
    }
    for (const Segment& s : segments->second) {
      if (s.seq == e.seq) return Quote(s.text);
    }
    return "";
  }

  // What understanding said about each conversation of the day.
  void Timeline() {
    std::map<std::string, const Insight*> summary_of, session_of;
    for (const Insight& i : m_.insights) {
      if (i.kind == InsightKind::kSummary) summary_of[i.episode_id] = &i;
      if (i.kind == InsightKind::kSession) session_of[i.episode_id] = &i;
    }
    for (const Episode& e : m_.episodes) {
      DigestMoment moment{e.id, e.started_at, e.ended_at, ClockTime(e.started_at).substr(0, 5),
                          ClockTime(e.ended_at).substr(0, 5)};
      if (summary_of.count(e.id)) {
        EpisodeInsightBody summary = EpisodeBodyOf(*summary_of[e.id]);
        moment.summary = summary.text;
        moment.sources = Cite(summary.evidence);
      }
      if (session_of.count(e.id)) moment.urgency = FieldsOf<SessionFields>(EpisodeBodyOf(*session_of[e.id])).urgency;
      moment.provisional = m_.provisional.count(e.id) > 0;
      doc_.timeline.push_back(std::move(moment));
    }
  }

  DigestAction ActionOf(const Insight& a) {
    EpisodeInsightBody body = EpisodeBodyOf(a);
    ActionFields fields = FieldsOf<ActionFields>(body);
    return {a.id, body.text, fields.who, fields.commitment, a.due_date, ToString(a.state), Cite(body.evidence)};
  }

  // Emotions, actions, people and topics, in the order the day's conversations found them.
  void Findings() {
    for (const Insight& i : m_.insights) {
      if (i.kind == InsightKind::kEmotion) {
        EpisodeInsightBody body = EpisodeBodyOf(i);
        EmotionFields emotion = FieldsOf<EmotionFields>(body);
        ++quadrants_[emotion.quadrant];
        doc_.emotions.push_back({i.episode_id, i.at, ClockTime(i.at).substr(0, 5), emotion.valence, emotion.arousal,
                                 emotion.quadrant, emotion.words.emotions, Cite(body.evidence)});
      } else if (i.kind == InsightKind::kAction) {
        doc_.actions.added.push_back(ActionOf(i));
      } else if (i.kind == InsightKind::kPerson || i.kind == InsightKind::kTopic) {
        EpisodeInsightBody body = EpisodeBodyOf(i);
        (i.kind == InsightKind::kPerson ? people_ : topics_).Add(body.text, Cite(body.evidence));
      }
    }
    doc_.people = people_.Ranked();
    doc_.topics = topics_.Ranked();
    for (const Insight& a : m_.due_actions) doc_.actions.due.push_back(ActionOf(a));
    for (const Insight& a : m_.done_actions) doc_.actions.done.push_back(ActionOf(a));
    for (const DigestAction& a : doc_.actions.added) {
      if (a.due_date == day_.date) doc_.actions.due.push_back(a);
    }
  }

  // Against the week before: what is new today, and what keeps coming back.
  void Compare() {
    std::set<std::string> earlier_topics, earlier_people;
    for (const Insight& i : m_.earlier) {
      (i.kind == InsightKind::kTopic ? earlier_topics : earlier_people).insert(NormalizeText(EpisodeBodyOf(i).text));
    }
    DigestComparison& c = doc_.compared_with_last_7_days;
    topics_.SplitBy(earlier_topics, c.repeating_topics, c.new_topics);
    people_.SplitBy(earlier_people, c.repeating_people, c.new_people);
  }

  void Memory() {
    for (const auto& [entry, body] : m_.memory) {
      bool learned_today = body.first_seen && Within(*body.first_seen, m_.bounds);
      doc_.memory.push_back({entry.id, ToString(entry.kind), body.label, body.detail, body.episodes.size(), learned_today});
    }
  }

  // Honesty about thin material.
  void Judge() {
    bool understood = !m_.episodes.empty() && std::all_of(m_.episodes.begin(), m_.episodes.end(), [&](const Episode& e) {
      return e.enriched_at.has_value() || m_.provisional.count(e.id) > 0;
    });
    doc_.provisional = !m_.provisional.empty();
    auto& reasons = doc_.degraded_reasons;
    if (!m_.recordings.empty()) {
      if (doc_.figures.words < 40) reasons.push_back("little speech: " + std::to_string(doc_.figures.words) + " words");
      if (usable_ > 0 && TrustedShare() < 0.5) reasons.push_back("mostly uncertain transcription");
      if (!understood) reasons.push_back("some conversations are not understood yet");
    }
    doc_.status = m_.recordings.empty() ? DigestDayStatus::kEmpty
                  : reasons.empty()     ? DigestDayStatus::kOk
                                        : DigestDayStatus::kDegraded;
  }

  // The day in a few sentences, each part from the sections above.
  void Summarise() {
    DigestSummary& summary = doc_.summary;
    if (doc_.status == DigestDayStatus::kEmpty) {
      summary.text = "Nothing was recorded on " + day_.date + ".";
      return;
    }
    char buf[160];
    std::snprintf(buf, sizeof buf, "%zu conversation%s, %.1f minutes of speech.", m_.episodes.size(),
                  m_.episodes.size() == 1 ? "" : "s", speech_seconds_ / 60);
    summary.text = buf;
    const auto& topics = doc_.topics;
    if (!topics.empty()) {
      size_t named = std::min<size_t>(3, topics.size());
      summary.text += " About ";
      for (size_t t = 0; t < named; ++t) {
        summary.text += (t ? (t + 1 == named ? " and " : ", ") : "") + topics[t].text;
        summary.sources.insert(summary.sources.end(), topics[t].sources.begin(), topics[t].sources.end());
      }
      summary.text += ".";
    }
    const auto& added = doc_.actions.added;
    const auto& due = doc_.actions.due;
    if (!added.empty()) summary.text += " " + std::to_string(added.size()) + " new action item(s)";
    if (!due.empty()) summary.text += (added.empty() ? " " : ", ") + std::to_string(due.size()) + " due today";
    if (!added.empty() || !due.empty()) summary.text += ".";
    if (!quadrants_.empty()) {
      auto mood = std::max_element(quadrants_.begin(), quadrants_.end(),
                                   [](const auto& a, const auto& b) { return a.second < b.second; });
      summary.text += " Mostly " + mood->first + ".";
    }
    if (doc_.status == DigestDayStatus::kDegraded) {
      summary.text += " Little could be understood from this day, so this digest may miss things.";
    }
    std::sort(summary.sources.begin(), summary.sources.end());
    summary.sources.erase(std::unique(summary.sources.begin(), summary.sources.end()), summary.sources.end());
  }

  const Stores& stores_;
  const DigestDay& day_;
  const Material& m_;
  DigestDocument doc_;
  std::map<std::string, std::vector<Segment>> segments_of_;
  std::map<std::string, std::string> source_ids_;  // "recording/seq" → "S…"
  double speech_seconds_ = 0;
  int64_t usable_ = 0, trusted_ = 0;
  std::map<std::string, int> quadrants_;
  Mentions people_, topics_;
};

}  // namespace

Result<DigestDocument> DigestBuilder::Build(const DigestDay& day) {
  ASSIGN_OR_RETURN(Material material, Collect(stores_, day));
  if (on_the_spot_.understanding != nullptr) {
    ASSIGN_OR_RETURN(auto spot, UnderstandOnTheSpot(stores_, on_the_spot_, day.tenant_id, material.bounds,
                                                    material.episodes));
    Add(std::move(spot), material);
  }
  return DayWriter(stores_, day, material).Write();
}

}  // namespace reflexio
