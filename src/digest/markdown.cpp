#include "digest/markdown.h"

#include <cstdio>
#include <sstream>

namespace reflexio {

namespace {

using json = nlohmann::json;

std::string Refs(const json& sources) {
  if (!sources.is_array() || sources.empty()) return "";
  std::string out = " [";
  for (size_t i = 0; i < sources.size(); ++i) out += (i ? ", " : "") + sources[i].get<std::string>();
  return out + "]";
}

std::string Number(double value, const char* format) {
  char buf[32];
  std::snprintf(buf, sizeof buf, format, value);
  return buf;
}

std::string Text(const json& value) { return value.is_string() ? EscapeMarkdown(value.get<std::string>()) : ""; }

}  // namespace

std::string EscapeMarkdown(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (std::string("\\`*_{}[]()<>#+-.!|~").find(c) != std::string::npos) out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  return out;
}

std::string RenderDigestMarkdown(const json& d) {
  std::ostringstream md;
  md << "# Daily digest — " << d.value("date", "") << "\n\n";
  md << "_" << EscapeMarkdown(d.value("timezone", "")) << " · " << d.value("status", "") << "_\n\n";
  for (const json& reason : d.value("degraded_reasons", json::array())) md << "> Note: " << Text(reason) << "\n";
  if (!d.value("degraded_reasons", json::array()).empty()) md << "\n";
  const json& summary = d["summary"];
  md << Text(summary["text"]) << Refs(summary["sources"]) << "\n\n";
  if (d.value("status", "") == "empty") return md.str();

  const json& f = d["figures"];
  md << "| recordings | speech minutes | words | conversations | trusted |\n|---|---|---|---|---|\n";
  md << "| " << f.value("recordings", 0) << " | " << Number(f.value("speech_minutes", 0.0), "%.1f") << " | "
     << f.value("words", 0) << " | " << f.value("episodes", 0) << " | "
     << Number(100 * f.value("trusted_share", 0.0), "%.0f") << " % |\n\n";

  md << "## Timeline\n\n";
  for (const json& e : d["timeline"]) {
    md << "- **" << e.value("local_start", "") << "–" << e.value("local_end", "") << "** "
       << (e["summary"].is_string() ? Text(e["summary"]) : std::string("(not understood yet)"));
    if (e["urgency"].is_string() && e["urgency"] != "low") md << " · urgency " << e["urgency"].get<std::string>();
    md << Refs(e["sources"]) << "\n";
  }
  md << "\n## Emotions\n\n";
  if (d["emotions"].empty()) md << "No conversation was understood yet.\n";
  for (const json& e : d["emotions"]) {
    md << "- " << e.value("local_time", "") << " " << Text(e["quadrant"]) << " (valence "
       << Number(e["valence"].is_number() ? e["valence"].get<double>() : 0, "%+.2f") << ", arousal "
       << (e["arousal"].is_number() ? Number(e["arousal"].get<double>(), "%.2f") : std::string("unknown")) << ")"
       << Refs(e["sources"]) << "\n";
  }
  md << "\n## Actions\n\n";
  auto actions = [&](const char* title, const json& list) {
    md << "**" << title << "**\n\n";
    if (list.empty()) md << "- none\n";
    for (const json& a : list) {
      md << "- [" << (a.value("state", "") == "done" ? "x" : " ") << "] " << Text(a["text"]);
      if (a["who"].is_string() && !a["who"].get<std::string>().empty()) md << " — " << Text(a["who"]);
      if (a["due_date"].is_string()) md << " (due " << a["due_date"].get<std::string>() << ")";
      md << Refs(a["sources"]) << "\n";
    }
    md << "\n";
  };
  actions("New", d["actions"]["new"]);
  actions("Due today", d["actions"]["due"]);
  actions("Done today", d["actions"]["done"]);
  auto mentions = [&](const char* title, const json& list) {
    md << "## " << title << "\n\n";
    if (list.empty()) md << "- none\n";
    for (const json& item : list) md << "- " << Text(item["text"]) << " ×" << item.value("mentions", 0) << Refs(item["sources"]) << "\n";
    md << "\n";
  };
  mentions("People", d["people"]);
  mentions("Topics", d["topics"]);
  const json& c = d["compared_with_last_7_days"];
  auto joined = [](const json& list) {
    std::string out;
    for (const json& s : list) out += (out.empty() ? "" : ", ") + EscapeMarkdown(s.get<std::string>());
    return out.empty() ? std::string("none") : out;
  };
  md << "## Compared with the last 7 days\n\n- new topics: " << joined(c["new_topics"])
     << "\n- topics that keep coming back: " << joined(c["repeating_topics"]) << "\n- new people: " << joined(c["new_people"])
     << "\n- people seen again: " << joined(c["repeating_people"]) << "\n\n";
  md << "## Memory\n\n";
  if (d["memory"].empty()) md << "- nothing new\n";
  for (const json& entry : d["memory"]) {
    md << "- " << (entry.value("learned_today", false) ? "new " : "") << Text(entry["kind"]) << ": " << Text(entry["label"])
       << " (" << entry.value("episodes", 0) << " conversation(s))\n";
  }
  md << "\n## Sources\n\n";
  // S1, S2, … S10: in citation order, not string order.
  for (size_t n = 1; n <= d["sources"].size(); ++n) {
    std::string id = "S" + std::to_string(n);
    if (!d["sources"].contains(id)) continue;
    const json& s = d["sources"][id];
    md << "- **" << id << "** " << s.value("local_time", "") << " — “" << Text(s["quote"]) << "” (recording "
       << s.value("recording_id", "") << ", " << Number(s.value("start_s", 0.0), "%.1f") << "–"
       << Number(s.value("end_s", 0.0), "%.1f") << " s)\n";
  }
  return md.str();
}

}  // namespace reflexio
