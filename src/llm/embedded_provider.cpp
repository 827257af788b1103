#include "llm/embedded_provider.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "text/dates.h"
#include "text/keywords.h"
#include "text/lexicon.h"
#include "text/normalize.h"
#include "text/stem.h"

namespace reflexio {

namespace {

using nlohmann::json;

const std::set<std::string> kPronouns = {"her", "him", "them", "me", "you", "us", "it", "everyone", "somebody",
                                         "someone", "anyone", "ему", "ей", "им", "мне", "тебе", "нам", "всем"};

const std::set<std::string>& PersonVerbs() {
  static const std::set<std::string> verbs = {"call", "ask", "tell", "meet", "met", "email", "text", "visit",
                                              "invite", "remind", "thank", "with", "and", "позвони", "позвонить",
                                              "спроси", "скажи", "напиши", "встретить", "пригласи"};
  return verbs;
}

const std::map<std::string, std::string>& Relations() {
  static const std::map<std::string, std::string> relations = {
      {"mother", "mother"}, {"mom", "mother"},    {"mum", "mother"},      {"father", "father"},
      {"dad", "father"},    {"sister", "sister"}, {"brother", "brother"}, {"wife", "wife"},
      {"husband", "husband"}, {"son", "son"},     {"daughter", "daughter"}, {"friend", "friend"},
      {"boss", "manager"},  {"manager", "manager"}, {"colleague", "colleague"}, {"doctor", "doctor"},
      {"мама", "mother"},   {"папа", "father"},   {"сестра", "sister"},   {"брат", "brother"},
      {"жена", "wife"},     {"муж", "husband"},   {"друг", "friend"},     {"начальник", "manager"}};
  return relations;
}

const std::set<std::string> kTitles = {"captain", "mr", "mrs", "ms", "miss", "dr", "doctor", "professor",
                                       "uncle", "aunt", "доктор", "профессор"};

const std::set<std::string>& ImperativeVerbs() {
  static const std::set<std::string> verbs = {
      "call", "buy", "send", "bring", "email", "book", "pay", "pick", "finish", "ask", "tell", "check",
      "schedule", "remember", "write", "order", "clean", "fix", "prepare", "review", "submit", "go", "take",
      "позвони", "купи", "отправь", "принеси", "напиши", "запиши", "забронируй", "оплати", "проверь", "спроси",
      "скажи", "сделай", "закажи"};
  return verbs;
}

// Openers of a commitment by the speaker (or the speaker's group) and who they bind.
const std::vector<std::pair<std::vector<std::string>, std::string>>& CommitmentOpeners() {
  static const std::vector<std::pair<std::vector<std::string>, std::string>> openers = {
      {{"i", "will"}, "me"},     {{"i'll"}, "me"},          {{"i", "need", "to"}, "me"},  {{"i", "have", "to"}, "me"},
      {{"i", "must"}, "me"},     {{"i", "should"}, "me"},   {{"i'm", "going", "to"}, "me"},
      {{"remind", "me", "to"}, "me"}, {{"let", "me"}, "me"}, {{"we", "will"}, "we"},     {{"we'll"}, "we"},
      {{"we", "need", "to"}, "we"}, {{"we", "should"}, "we"}, {{"let's"}, "we"},       {{"нужно"}, "me"},
      {{"надо"}, "me"},         {{"мне", "нужно"}, "me"},  {{"я", "должен"}, "me"},   {{"я", "должна"}, "me"},
      {{"давай"}, "we"},        {{"давайте"}, "we"}};
  return openers;
}

const std::set<std::string> kRussianFirstPersonFuture = {"позвоню", "куплю", "отправлю", "напишу", "сделаю",
                                                         "принесу", "закажу", "проверю", "оплачу"};

const std::set<std::string> kUrgentWords = {"urgent", "urgently", "asap", "immediately", "срочно", "немедленно"};

std::string Capitalize(std::string word) {
  if (!word.empty() && word[0] >= 'a' && word[0] <= 'z') word[0] = static_cast<char>(word[0] - 'a' + 'A');
  if (word.size() >= 2 && static_cast<unsigned char>(word[0]) == 0xD0) {
    // Cyrillic а–п (D0 B0–BF) → А–П (D0 90–9F); р–я (D1 80–8F) → Р–Я (D0 A0–AF)
    unsigned char c = static_cast<unsigned char>(word[1]);
    if (c >= 0xB0 && c <= 0xBF) word[1] = static_cast<char>(c - 0x20);
  } else if (word.size() >= 2 && static_cast<unsigned char>(word[0]) == 0xD1) {
    unsigned char c = static_cast<unsigned char>(word[1]);
    if (c >= 0x80 && c <= 0x8F) word[0] = static_cast<char>(0xD0), word[1] = static_cast<char>(c + 0x20);
  }
  return word;
}

bool CouldBeName(const std::string& word) {
  if (word.size() < 3 || IsStopWord(word) || kPronouns.count(word) || IsPlaceNoun(word)) return false;
  if (Relations().count(word) || ImperativeVerbs().count(word) || kTitles.count(word)) return false;
  return std::none_of(word.begin(), word.end(), [](unsigned char c) { return std::isdigit(c); });
}

size_t MatchOpener(const std::vector<std::string>& w, size_t at, const std::vector<std::string>& opener) {
  if (at + opener.size() > w.size()) return 0;
  for (size_t k = 0; k < opener.size(); ++k) {
    if (w[at + k] != opener[k]) return 0;
  }
  return opener.size();
}

struct ActionDraft {
  std::string who;
  std::string what;
  bool commitment = false;
};

// Action clauses of one utterance: each starts at a trigger and runs to the next one.
std::vector<ActionDraft> FindActions(const std::string& text) {
  std::vector<std::string> w = NormalizedWords(text);
  std::vector<ActionDraft> found;
  std::optional<size_t> open_start;
  ActionDraft open;
  auto close = [&](size_t end) {
    if (open_start && end > *open_start) {
      open.what = JoinWords(w, *open_start, end);
      found.push_back(open);
    }
    open_start.reset();
  };
  for (size_t i = 0; i < w.size();) {
    std::string prev = i > 0 ? w[i - 1] : "";
    bool clause_start = i == 0 || prev == "and" || prev == "then" || prev == "also" || prev == "и" ||
                        prev == "потом" || open_start.has_value();
    // "please …", "don't forget to …", "не забудь …"
    if (w[i] == "please" || w[i] == "пожалуйста") {
      close(i);
      open = ActionDraft{"you", "", false};
      open_start = i + 1;
      ++i;
      continue;
    }
    if ((w[i] == "don't" || w[i] == "do") && i + 2 < w.size() && w[i + 1] == "forget" && w[i + 2] == "to") {
      close(i);
      open = ActionDraft{"you", "", false};
      open_start = i + 3;
      i += 3;
      continue;
    }
    if (w[i] == "не" && i + 1 < w.size() && w[i + 1] == "забудь") {
      close(i);
      open = ActionDraft{"you", "", false};
      open_start = i + 2;
      i += 2;
      continue;
    }
    size_t matched = 0;
    for (const auto& [opener, who] : CommitmentOpeners()) {
      if ((matched = MatchOpener(w, i, opener)) > 0) {
        close(i);
        open = ActionDraft{who, "", true};
        open_start = i + matched;
        break;
      }
    }
    if (matched > 0) {
      i += matched;
      continue;
    }
    if (kRussianFirstPersonFuture.count(w[i])) {
      close(i);
      open = ActionDraft{"me", "", true};
      open_start = i;
      ++i;
      continue;
    }
    // An imperative verb opens a request at the start of a clause — but not right after the opener
    // that already opened one ("please call" is one action) or after "to" ("ask her to bring").
    bool just_opened = open_start && *open_start == i;
    if (ImperativeVerbs().count(w[i]) && clause_start && !just_opened && prev != "to") {
      close(i);
      open = ActionDraft{"you", "", false};
      open_start = i;
    }
    ++i;
  }
  close(w.size());
  return found;
}

struct PreferenceDraft {
  std::string what;
  std::string polarity;  // likes | dislikes
};

// "i (really) like …", "i don't like …", "я люблю …", "мне нравится …": what follows, up to a
// conjunction or six words.
std::vector<PreferenceDraft> FindPreferences(const std::string& text) {
  static const std::map<std::string, std::string> verbs = {
      {"like", "likes"}, {"love", "likes"}, {"prefer", "likes"}, {"enjoy", "likes"}, {"adore", "likes"},
      {"hate", "dislikes"}, {"dislike", "dislikes"}, {"люблю", "likes"}, {"обожаю", "likes"},
      {"нравится", "likes"}, {"ненавижу", "dislikes"}};
  static const std::set<std::string> stops = {"and", "but", "because", "when", "so", "и", "но", "потому", "когда"};
  std::vector<std::string> w = NormalizedWords(text);
  std::vector<PreferenceDraft> found;
  for (size_t i = 0; i < w.size(); ++i) {
    bool speaker = w[i] == "i" || w[i] == "я" || w[i] == "мне";
    if (!speaker) continue;
    size_t v = i + 1;
    bool negated = false;
    while (v < w.size() && (w[v] == "really" || w[v] == "also" || w[v] == "do" || w[v] == "очень" || w[v] == "тоже")) ++v;
    if (v < w.size() && (w[v] == "don't" || w[v] == "не")) negated = true, ++v;
    if (v >= w.size()) continue;
    auto verb = verbs.find(w[v]);
    if (verb == verbs.end()) continue;
    size_t end = v + 1;
    while (end < w.size() && end < v + 7 && !stops.count(w[end])) ++end;
    std::string what = JoinWords(w, v + 1, end);
    if (ContentWords(what).empty()) continue;
    std::string polarity = verb->second;
    if (negated) polarity = polarity == "likes" ? "dislikes" : "likes";
    found.push_back({what, polarity});
  }
  return found;
}

void AddUnique(std::vector<int>& list, int value) {
  if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(value);
}

}  // namespace

std::vector<int> UsableUtterances(const EpisodeTranscript& episode, Enrichment& out) {
  std::vector<int> trusted, uncertain;
  for (size_t i = 0; i < episode.utterances.size(); ++i) {
    (episode.utterances[i].quality == "trusted" ? trusted : uncertain).push_back(static_cast<int>(i));
  }
  if (trusted.empty() && uncertain.empty()) out.notes.push_back("nothing usable was said");
  if (!trusted.empty() || uncertain.empty()) return trusted;
  out.notes.push_back("no trusted segments: used " + std::to_string(uncertain.size()) + " uncertain segment(s)");
  return uncertain;
}

double EntityDensity(const std::string& summary, const std::string& source) {
  std::vector<std::string> words = NormalizedWords(summary);
  if (words.empty()) return 0;
  std::set<std::string> source_stems;
  for (const auto& w : ContentWords(source)) source_stems.insert(StemWord(w));
  std::set<std::string> carried;
  for (const auto& w : ContentWords(summary)) {
    std::string stem = StemWord(w);
    if (source_stems.count(stem)) carried.insert(stem);
  }
  return static_cast<double>(carried.size()) / static_cast<double>(words.size());
}

Confidence AsrConfidence(const EpisodeTranscript& episode, const std::vector<int>& evidence) {
  Confidence c;
  if (evidence.empty()) return c;
  double sum = 0;
  for (int i : evidence) sum += episode.utterances[static_cast<size_t>(i)].asr_confidence;
  c.value = sum / static_cast<double>(evidence.size());
  c.basis = "asr_word_confidence";
  c.detail = {{"segments", evidence.size()}};
  return c;
}

Mentions FindMentions(const std::string& text) {
  Mentions m;
  std::vector<std::string> w = NormalizedWords(text);
  auto add_person = [&](const std::string& name, const std::string& relation) {
    std::string display = Capitalize(name);
    for (auto& [known, rel] : m.people) {
      if (known == display) {
        if (rel.empty()) rel = relation;
        return;
      }
    }
    m.people.emplace_back(display, relation);
  };
  for (size_t i = 0; i < w.size(); ++i) {
    const std::string next = i + 1 < w.size() ? w[i + 1] : "";
    if (w[i] == "my" || w[i] == "мой" || w[i] == "моя") {
      auto rel = Relations().find(next);
      if (rel != Relations().end()) {
        std::string after = i + 2 < w.size() ? w[i + 2] : "";
        if (CouldBeName(after)) add_person(after, rel->second);
        continue;
      }
    }
    if (kTitles.count(w[i]) && CouldBeName(next)) {
      add_person(next, w[i] == "doctor" || w[i] == "dr" || w[i] == "доктор" ? "doctor" : "");
    } else if (PersonVerbs().count(w[i]) && CouldBeName(next) && w[i] != "and") {
      add_person(next, "");
    } else if (w[i].size() > 3 && w[i].ends_with("'s") && CouldBeName(w[i].substr(0, w[i].size() - 2))) {
      add_person(w[i].substr(0, w[i].size() - 2), "");
    }
    if ((w[i] == "at" || w[i] == "to" || w[i] == "from" || w[i] == "in" || w[i] == "в" || w[i] == "из" ||
         w[i] == "на") && i + 1 < w.size()) {
      size_t noun = (next == "the" || next == "a" || next == "my" || next == "our") ? i + 2 : i + 1;
      if (noun < w.size() && IsPlaceNoun(w[noun]) &&
          std::find(m.places.begin(), m.places.end(), w[noun]) == m.places.end()) {
        m.places.push_back(w[noun]);
      }
    }
  }
  // Text with case (typed, or from a recogniser that writes it): a capitalised word inside a
  // sentence is a name.
  std::string word;
  bool sentence_start = true;
  for (size_t i = 0; i <= text.size(); ++i) {
    char c = i < text.size() ? text[i] : ' ';
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '\'') {
      word += c;
      continue;
    }
    if (!word.empty()) {
      std::string lower = NormalizeText(word);
      if (!sentence_start && std::isupper(static_cast<unsigned char>(word[0])) && CouldBeName(lower) &&
          !std::all_of(word.begin(), word.end(), [](unsigned char ch) { return std::isupper(ch) || ch == '\''; })) {
        add_person(lower, "");
      }
      sentence_start = false;
      word.clear();
    }
    if (c == '.' || c == '!' || c == '?') sentence_start = true;
  }
  return m;
}

Result<Enrichment> EmbeddedProvider::Enrich(const EpisodeTranscript& episode) {
  Enrichment out;
  out.method = Method{"embedded", kModel, "none", {"extractive_summary", "keywords", "mentions", "preferences", "actions", "lexicon"}};
  std::vector<int> pool = UsableUtterances(episode, out);
  if (pool.empty()) return out;
  const auto& u = episode.utterances;
  std::vector<std::string> passages;
  std::string source;
  for (int i : pool) {
    passages.push_back(u[i].text);
    source += u[i].text + "\n";
  }

  // Topics, and the weights the summary ranks by.
  std::vector<Keyword> keywords = ExtractKeywords(passages, 12);
  std::map<std::string, double> weight;
  for (const auto& k : keywords) weight[k.stem] = k.score;
  for (size_t t = 0; t < keywords.size() && t < 5; ++t) {
    Finding topic{InsightKind::kTopic, keywords[t].word, {}, {}, {{"mentions", keywords[t].count}}};
    for (int p : keywords[t].passages) topic.evidence.push_back(pool[static_cast<size_t>(p)]);
    topic.confidence = AsrConfidence(episode, topic.evidence);
    out.findings.push_back(std::move(topic));
  }

  // Extractive summary.
  std::vector<std::pair<double, int>> ranked;
  for (size_t p = 0; p < pool.size(); ++p) {
    std::vector<std::string> words = NormalizedWords(passages[p]);
    double score = 0;
    for (const auto& w : ContentWords(passages[p])) score += weight.count(StemWord(w)) ? weight[StemWord(w)] : 0.5;
    ranked.emplace_back(score / std::sqrt(static_cast<double>(words.size()) + 1), pool[p]);
  }
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  size_t keep = std::clamp<size_t>((pool.size() + 3) / 4, 1, 3);
  std::vector<int> chosen;
  for (size_t k = 0; k < keep && k < ranked.size(); ++k) chosen.push_back(ranked[k].second);
  std::sort(chosen.begin(), chosen.end());
  std::string summary;
  for (int i : chosen) {
    std::string sentence = NormalizeText(u[i].text);
    if (sentence.empty()) continue;
    summary += (summary.empty() ? "" : " ") + Capitalize(sentence) + ".";
  }
  Finding summary_finding{InsightKind::kSummary, summary, chosen, AsrConfidence(episode, chosen),
                          {{"entity_density", EntityDensity(summary, source)}, {"sentences", chosen.size()}}};
  out.findings.push_back(std::move(summary_finding));

  // People and places.
  std::map<std::string, Finding> people, places;
  std::vector<std::string> person_order, place_order;
  for (int i : pool) {
    Mentions m = FindMentions(u[i].text);
    for (const auto& [name, relation] : m.people) {
      if (!people.count(name)) person_order.push_back(name), people[name] = Finding{InsightKind::kPerson, name, {}, {}, {{"relation", ""}}};
      AddUnique(people[name].evidence, i);
      if (!relation.empty()) people[name].fields["relation"] = relation;
    }
    for (const auto& place : m.places) {
      if (!places.count(place)) place_order.push_back(place), places[place] = Finding{InsightKind::kPlace, place, {}, {}, json::object()};
      AddUnique(places[place].evidence, i);
    }
  }
  for (const auto& name : person_order) {
    people[name].confidence = AsrConfidence(episode, people[name].evidence);
    out.findings.push_back(people[name]);
  }
  for (const auto& place : place_order) {
    places[place].confidence = AsrConfidence(episode, places[place].evidence);
    out.findings.push_back(places[place]);
  }

  // Preferences the speaker states.
  for (int i : pool) {
    for (const PreferenceDraft& p : FindPreferences(u[i].text)) {
      out.findings.push_back(Finding{InsightKind::kPreference, p.what, {i}, AsrConfidence(episode, {i}), {{"polarity", p.polarity}}});
    }
  }

  // Action items and commitments, dated against when they were said.
  bool urgent = false, due_soon = false, any_action = false;
  for (int i : pool) {
    for (const auto& w : NormalizedWords(u[i].text)) urgent = urgent || kUrgentWords.count(w);
    TimePoint said_at = u[i].captured_at;
    for (const ActionDraft& draft : FindActions(u[i].text)) {
      if (ContentWords(draft.what).empty()) continue;
      Finding action{InsightKind::kAction, draft.what, {i}, AsrConfidence(episode, {i}),
                     {{"who", draft.who}, {"what", draft.what}, {"commitment", draft.commitment}}};
      auto due = FindDueDate(draft.what, said_at, episode.utc_offset_minutes);
      if (!due) due = FindDueDate(u[i].text, said_at, episode.utc_offset_minutes);
      if (due) {
        action.fields["due_date"] = due->date;
        action.fields["due_phrase"] = due->phrase;
        if (due->time) action.fields["due_time"] = *due->time;
        std::string tomorrow = FindDueDate("tomorrow", said_at, episode.utc_offset_minutes)->date;
        due_soon = due_soon || due->date <= tomorrow;
      }
      any_action = true;
      out.findings.push_back(std::move(action));
    }
  }
  out.urgency = urgent || due_soon ? "high" : any_action ? "medium" : "low";

  // Emotion from words.
  Finding emotion{InsightKind::kEmotion, "neutral", {}, {}, {{"valence", 0.0}, {"emotions", json::object()}}};
  double valence_sum = 0;
  int hits = 0;
  std::map<std::string, int> counts;
  for (int i : pool) {
    for (const EmotionWord& hit : FindEmotionWords(u[i].text)) {
      valence_sum += hit.valence;
      ++hits;
      if (!hit.negated) ++counts[hit.emotion];
      AddUnique(emotion.evidence, i);
      emotion.fields["words"].push_back(hit.negated ? "not " + hit.word : hit.word);
    }
  }
  if (hits > 0) {
    double valence = valence_sum / hits;
    emotion.fields["valence"] = valence;
    std::string strongest;
    int most = 0;
    for (const auto& [name, n] : counts) {
      emotion.fields["emotions"][name] = n;
      if (n > most) most = n, strongest = name;
    }
    emotion.text = !strongest.empty() ? strongest : valence < 0 ? "negative" : "positive";
  } else {
    // "Neutral" rests on everything that was said holding no emotion word.
    emotion.evidence = pool;
    emotion.fields["basis"] = "no emotion words";
  }
  emotion.confidence = AsrConfidence(episode, emotion.evidence);
  out.findings.push_back(std::move(emotion));
  return out;
}

}  // namespace reflexio
