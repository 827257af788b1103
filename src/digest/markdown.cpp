#include "digest/markdown.h"

#include <cstdio>
#include <sstream>

namespace reflexio {

namespace {

std::string Refs(const SourceIds& sources) {
  if (sources.empty()) return "";
  std::string out = " [";
  for (size_t i = 0; i < sources.size(); ++i) out += (i ? ", " : "") + sources[i];
  return out + "]";
}

std::string Number(double value, const char* format) {
  char buf[32];
  std::snprintf(buf, sizeof buf, format, value);
  return buf;
}

std::string Joined(const std::vector<std::string>& list) {
  std::string out;
  for (const std::string& s : list) out += (out.empty() ? "" : ", ") + EscapeMarkdown(s);
  return out.empty() ? std::string("none") : out;
}

}  // namespace

std::string EscapeMarkdown(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (std::string("\\`*_{}[]()<>#+-.!|~").find(c) != std::string::npos) out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  return out;
}

std::string RenderDigestMarkdown(const DigestDocument& d) {
  std::ostringstream md;
  md << "# Daily digest — " << d.date << "\n\n";
  md << "_" << EscapeMarkdown(d.timezone) << " · " << ToString(d.status) << "_\n\n";
  std::vector<std::string> notes = DigestNotes(d);
  for (const std::string& note : notes) md << "> Note: " << EscapeMarkdown(note) << "\n";
  if (!notes.empty()) md << "\n";
  md << EscapeMarkdown(d.summary.text) << Refs(d.summary.sources) << "\n\n";
  if (d.status == DigestDayStatus::kEmpty) return md.str();

  const DigestFigures& f = d.figures;
  md << "| recordings | speech minutes | words | conversations | trusted |\n|---|---|---|---|---|\n";
  md << "| " << f.recordings << " | " << Number(f.speech_minutes, "%.1f") << " | " << f.words << " | " << f.episodes
     << " | " << Number(100 * f.trusted_share, "%.0f") << " % |\n\n";

  md << "## Timeline\n\n";
  for (const DigestMoment& e : d.timeline) {
    md << "- **" << e.local_start << "–" << e.local_end << "** "
       << (e.summary ? EscapeMarkdown(*e.summary) : std::string("(not understood yet)"));
    if (e.urgency && *e.urgency != "low") md << " · urgency " << *e.urgency;
    if (e.provisional) md << " · _provisional_";
    md << Refs(e.sources) << "\n";
  }
  md << "\n## Emotions\n\n";
  if (d.emotions.empty()) md << "No conversation was understood yet.\n";
  for (const DigestEmotion& e : d.emotions) {
    md << "- " << e.local_time << " " << EscapeMarkdown(e.quadrant) << " (valence " << Number(e.valence, "%+.2f")
       << ", arousal " << (e.arousal ? Number(*e.arousal, "%.2f") : std::string("unknown")) << ")" << Refs(e.sources)
       << "\n";
  }
  md << "\n## Actions\n\n";
  auto actions = [&](const char* title, const std::vector<DigestAction>& list) {
    md << "**" << title << "**\n\n";
    if (list.empty()) md << "- none\n";
    for (const DigestAction& a : list) {
      md << "- [" << (a.state == "done" ? "x" : " ") << "] " << EscapeMarkdown(a.text);
      if (!a.who.empty()) md << " — " << EscapeMarkdown(a.who);
      if (a.due_date) md << " (due " << *a.due_date << ")";
      md << Refs(a.sources) << "\n";
    }
    md << "\n";
  };
  actions("New", d.actions.added);
  actions("Due today", d.actions.due);
  actions("Done today", d.actions.done);
  auto mentions = [&](const char* title, const std::vector<DigestMention>& list) {
    md << "## " << title << "\n\n";
    if (list.empty()) md << "- none\n";
    for (const DigestMention& item : list) {
      md << "- " << EscapeMarkdown(item.text) << " ×" << item.mentions << Refs(item.sources) << "\n";
    }
    md << "\n";
  };
  mentions("People", d.people);
  mentions("Topics", d.topics);
  const DigestComparison& c = d.compared_with_last_7_days;
  md << "## Compared with the last 7 days\n\n- new topics: " << Joined(c.new_topics)
     << "\n- topics that keep coming back: " << Joined(c.repeating_topics) << "\n- new people: " << Joined(c.new_people)
     << "\n- people seen again: " << Joined(c.repeating_people) << "\n\n";
  md << "## Memory\n\n";
  if (d.memory.empty()) md << "- nothing new\n";
  for (const DigestMemoryEntry& entry : d.memory) {
    md << "- " << (entry.learned_today ? "new " : "") << EscapeMarkdown(entry.kind) << ": " << EscapeMarkdown(entry.label)
       << " (" << entry.episodes << " conversation(s))\n";
  }
  md << "\n## Sources\n\n";
  for (const auto& [id, s] : d.SourcesInOrder()) {
    md << "- **" << id << "** " << s->local_time << " — “" << EscapeMarkdown(s->quote) << "” (recording "
       << s->recording_id << ", " << Number(s->start_s, "%.1f") << "–" << Number(s->end_s, "%.1f") << " s)\n";
  }
  return md.str();
}

}  // namespace reflexio
