#include "text/dates.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <map>
#include <vector>

#include "text/normalize.h"

namespace reflexio {

namespace {

using namespace std::chrono;

std::optional<int> NumberWord(const std::string& word) {
  static const std::map<std::string, int> numbers = {
      {"one", 1}, {"two", 2}, {"three", 3}, {"four", 4}, {"five", 5}, {"six", 6}, {"seven", 7},
      {"eight", 8}, {"nine", 9}, {"ten", 10}, {"eleven", 11}, {"twelve", 12}, {"a", 1}, {"an", 1},
      {"один", 1}, {"одну", 1}, {"два", 2}, {"две", 2}, {"три", 3}, {"четыре", 4}, {"пять", 5},
      {"шесть", 6}, {"семь", 7}, {"восемь", 8}, {"девять", 9}, {"десять", 10}, {"одиннадцать", 11},
      {"двенадцать", 12}};
  auto it = numbers.find(word);
  if (it != numbers.end()) return it->second;
  if (!word.empty() && word.size() <= 2 && std::all_of(word.begin(), word.end(), ::isdigit)) return std::stoi(word);
  return std::nullopt;
}

// Monday = 1 … Sunday = 7 (ISO), both languages and the Russian cases speech uses.
std::optional<unsigned> WeekdayWord(const std::string& word) {
  static const std::map<std::string, unsigned> days = {
      {"monday", 1}, {"tuesday", 2}, {"wednesday", 3}, {"thursday", 4}, {"friday", 5}, {"saturday", 6},
      {"sunday", 7}, {"понедельник", 1}, {"вторник", 2}, {"среду", 3}, {"среда", 3}, {"четверг", 4},
      {"пятницу", 5}, {"пятница", 5}, {"субботу", 6}, {"суббота", 6}, {"воскресенье", 7}};
  auto it = days.find(word);
  if (it == days.end()) return std::nullopt;
  return it->second;
}

std::string FormatDay(sys_days day) {
  year_month_day ymd(day);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", int(ymd.year()), unsigned(ymd.month()), unsigned(ymd.day()));
  return buf;
}

// "at five pm", "at 5", "в пять часов", "в 17"
std::optional<std::string> FindTime(const std::vector<std::string>& w, std::string& phrase) {
  for (size_t i = 0; i + 1 < w.size(); ++i) {
    if (w[i] != "at" && w[i] != "в" && w[i] != "к") continue;
    auto hour = NumberWord(w[i + 1]);
    if (!hour || *hour > 23 || w[i + 1] == "a" || w[i + 1] == "an") continue;
    std::string next = i + 2 < w.size() ? w[i + 2] : "";
    bool english = w[i] == "at";
    if (english && next != "pm" && next != "am" && next != "o'clock" && next != "oclock") continue;
    if (!english && next != "часов" && next != "часа" && next != "час" && next != "вечера" && next != "утра") continue;
    int h = *hour;
    std::string after = i + 3 < w.size() ? w[i + 3] : "";
    if ((next == "pm" || next == "вечера" || after == "вечера") && h < 12) h += 12;
    if (english && next == "o'clock" && h < 8) h += 12;  // "at five o'clock" is rarely five in the morning
    phrase = JoinWords(w, i, after == "вечера" || after == "утра" ? i + 4 : i + 3);
    char buf[16];
    std::snprintf(buf, sizeof buf, "%02d:00", h);
    return buf;
  }
  return std::nullopt;
}

}  // namespace

std::optional<DueDate> FindDueDate(std::string_view text, TimePoint said_at, int utc_offset_minutes) {
  std::vector<std::string> w = NormalizedWords(text);
  sys_days today = floor<days>(said_at + minutes(utc_offset_minutes));
  std::optional<sys_days> day;
  std::string phrase;
  for (size_t i = 0; i < w.size() && !day; ++i) {
    const std::string& word = w[i];
    std::string next = i + 1 < w.size() ? w[i + 1] : "";
    if (word == "day" && next == "after" && i + 2 < w.size() && w[i + 2] == "tomorrow") {
      day = today + days(2), phrase = "day after tomorrow";
    } else if (word == "tomorrow" || word == "завтра") {
      day = today + days(1), phrase = word;
    } else if (word == "послезавтра") {
      day = today + days(2), phrase = word;
    } else if (word == "today" || word == "tonight" || word == "сегодня") {
      day = today, phrase = word;
    } else if ((word == "next" && next == "week") || (word == "следующей" && next == "неделе")) {
      weekday wd(today);
      unsigned iso = wd.iso_encoding();
      day = today + days(8 - iso), phrase = word + " " + next;  // Monday of the next week
    } else if ((word == "in" || word == "через") && i + 2 < w.size()) {
      // "in three days", "in a week", "через два дня", "через неделю"
      std::string unit = w[i + 2];
      auto n = NumberWord(next);
      if (!n && (next == "неделю" || next == "week")) n = 1, unit = next;
      if (!n) continue;
      if (unit == "day" || unit == "days" || unit == "день" || unit == "дня" || unit == "дней") {
        day = today + days(*n), phrase = JoinWords(w, i, i + 3);
      } else if (unit == "week" || unit == "weeks" || unit == "неделю" || unit == "недели" || unit == "недель") {
        day = today + days(7 * *n), phrase = next == unit ? JoinWords(w, i, i + 2) : JoinWords(w, i, i + 3);
      }
    } else if (auto wd = WeekdayWord(word)) {
      unsigned now_iso = weekday(today).iso_encoding();
      int ahead = static_cast<int>(*wd) - static_cast<int>(now_iso);
      if (ahead <= 0) ahead += 7;
      day = today + days(ahead);
      phrase = (i > 0 && (w[i - 1] == "on" || w[i - 1] == "by" || w[i - 1] == "в" || w[i - 1] == "до") ? w[i - 1] + " " : "") + word;
    }
  }
  std::string time_phrase;
  std::optional<std::string> time = FindTime(w, time_phrase);
  if (!day && !time) return std::nullopt;
  DueDate due;
  due.date = FormatDay(day.value_or(today));
  due.time = time;
  due.phrase = phrase.empty() ? time_phrase : (time ? phrase + " " + time_phrase : phrase);
  return due;
}

}  // namespace reflexio
