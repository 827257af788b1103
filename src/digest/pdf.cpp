#include "digest/pdf.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>

#include <algorithm>
#include <cstdio>
#include <memory>

namespace reflexio {

namespace {

constexpr double kWidth = 595.28, kHeight = 841.89;  // A4 in points
constexpr double kMargin = 50;
constexpr double kBottom = kHeight - kMargin;

cairo_status_t Append(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

std::string Escape(const std::string& text) {
  char* escaped = g_markup_escape_text(text.c_str(), static_cast<gssize>(text.size()));
  std::string out(escaped);
  g_free(escaped);
  return out;
}

// Source references, greyed: "  [S1, S2]".
std::string Refs(const SourceIds& sources) {
  if (sources.empty()) return "";
  std::string out = "  [";
  for (size_t i = 0; i < sources.size(); ++i) out += (i ? ", " : "") + sources[i];
  return "<span foreground='#777'>" + Escape(out + "]") + "</span>";
}

std::string Format(const char* format, double value) {
  char buf[48];
  std::snprintf(buf, sizeof buf, format, value);
  return buf;
}

// Text flowing down pages.
class Writer {
 public:
  explicit Writer(cairo_t* cr) : cr_(cr) {}

  // `markup` is pango markup (callers escape what came from speech).
  void Paragraph(const std::string& markup, double size = 10.5, double gap_after = 5, double indent = 0) {
    PangoLayout* layout = pango_cairo_create_layout(cr_);
    PangoFontDescription* font = pango_font_description_from_string("DejaVu Sans");
    pango_font_description_set_absolute_size(font, size * PANGO_SCALE);
    pango_layout_set_font_description(layout, font);
    pango_layout_set_width(layout, static_cast<int>((kWidth - 2 * kMargin - indent) * PANGO_SCALE));
    pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_markup(layout, markup.c_str(), -1);
    int width = 0, height = 0;
    pango_layout_get_size(layout, &width, &height);
    double h = static_cast<double>(height) / PANGO_SCALE;
    if (y_ + h > kBottom) NewPage();
    cairo_set_source_rgb(cr_, 0.1, 0.1, 0.12);
    cairo_move_to(cr_, kMargin + indent, y_);
    pango_cairo_show_layout(cr_, layout);
    y_ += h + gap_after;
    pango_font_description_free(font);
    g_object_unref(layout);
  }
  void Heading(const std::string& text) {
    if (y_ + 60 > kBottom) NewPage();
    y_ += 8;
    Paragraph("<b>" + Escape(text) + "</b>", 14, 6);
  }
  void NewPage() {
    cairo_show_page(cr_);
    ++pages_;
    y_ = kMargin;
  }
  double& y() { return y_; }
  cairo_t* cr() { return cr_; }

 private:
  cairo_t* cr_;
  double y_ = kMargin;
  int pages_ = 1;
};

void Axes(cairo_t* cr, double x, double y, double w, double h) {
  cairo_set_source_rgb(cr, 0.6, 0.6, 0.65);
  cairo_set_line_width(cr, 0.8);
  cairo_rectangle(cr, x, y, w, h);
  cairo_stroke(cr);
  cairo_set_line_width(cr, 0.3);
  for (int hour = 3; hour < 24; hour += 3) {
    cairo_move_to(cr, x + w * hour / 24, y);
    cairo_line_to(cr, x + w * hour / 24, y + h);
  }
  cairo_stroke(cr);
}

void HourLabels(Writer& out, double x, double y, double w) {
  for (int hour = 0; hour <= 24; hour += 6) {
    PangoLayout* layout = pango_cairo_create_layout(out.cr());
    PangoFontDescription* font = pango_font_description_from_string("DejaVu Sans");
    pango_font_description_set_absolute_size(font, 8 * PANGO_SCALE);
    pango_layout_set_font_description(layout, font);
    char label[8];
    std::snprintf(label, sizeof label, "%02d:00", hour);
    pango_layout_set_text(layout, label, -1);
    cairo_set_source_rgb(out.cr(), 0.35, 0.35, 0.4);
    cairo_move_to(out.cr(), x + w * hour / 24 - 12, y + 3);
    pango_cairo_show_layout(out.cr(), layout);
    pango_font_description_free(font);
    g_object_unref(layout);
  }
}

double HourOf(const std::string& hh_mm) {
  if (hh_mm.size() < 5) return 0;
  return std::atoi(hh_mm.substr(0, 2).c_str()) + std::atoi(hh_mm.substr(3, 2).c_str()) / 60.0;
}

void EmotionChart(Writer& out, const std::vector<DigestEmotion>& emotions) {
  cairo_t* cr = out.cr();
  double x = kMargin, y = out.y(), w = kWidth - 2 * kMargin, h = 150;
  Axes(cr, x, y, w, h);
  // Valence -1 … 1 (middle line at 0) in blue; arousal 0 … 1 in orange.
  cairo_set_source_rgb(cr, 0.8, 0.8, 0.85);
  cairo_move_to(cr, x, y + h / 2);
  cairo_line_to(cr, x + w, y + h / 2);
  cairo_stroke(cr);
  for (const DigestEmotion& e : emotions) {
    double at = x + w * HourOf(e.local_time) / 24;
    double v = std::clamp(e.valence, -1.0, 1.0);
    cairo_set_source_rgb(cr, 0.16, 0.38, 0.75);
    cairo_arc(cr, at, y + h / 2 - v * h / 2, 4, 0, 2 * G_PI);
    cairo_fill(cr);
    if (e.arousal) {
      double a = std::clamp(*e.arousal, 0.0, 1.0);
      cairo_set_source_rgb(cr, 0.9, 0.5, 0.1);
      cairo_rectangle(cr, at - 3.5, y + h - a * h - 3.5, 7, 7);
      cairo_fill(cr);
    }
  }
  HourLabels(out, x, y + h, w);
  out.y() = y + h + 20;
  out.Paragraph("<span foreground='#2961bf'>●</span> valence from the words (−1 … +1)   "
                "<span foreground='#e6801a'>■</span> arousal from the voice (0 … 1)",
                9, 10);
}

void SpeechChart(Writer& out, const std::vector<double>& minutes) {
  cairo_t* cr = out.cr();
  double x = kMargin, y = out.y(), w = kWidth - 2 * kMargin, h = 120;
  Axes(cr, x, y, w, h);
  double most = 1;
  for (double m : minutes) most = std::max(most, m);
  cairo_set_source_rgb(cr, 0.25, 0.6, 0.45);
  for (size_t hour = 0; hour < minutes.size() && hour < 24; ++hour) {
    double value = minutes[hour];
    if (value <= 0) continue;
    double bar = h * value / most;
    cairo_rectangle(cr, x + w * hour / 24 + 2, y + h - bar, w / 24 - 4, bar);
    cairo_fill(cr);
  }
  HourLabels(out, x, y + h, w);
  out.y() = y + h + 20;
  out.Paragraph("speech minutes per hour (tallest bar: " + Format("%.1f", most) + " min)", 9, 10);
}

// The cover: the date, the day in brief and its figures.
void Cover(Writer& out, const DigestDocument& d) {
  out.y() = 160;
  out.Paragraph("<span foreground='#555'>Reflexio · daily digest</span>", 13, 12);
  out.Paragraph("<b>" + Escape(d.date) + "</b>", 34, 8);
  out.Paragraph(Escape(d.timezone) + " · " + Escape(ToString(d.status)), 11, 24);
  for (const std::string& note : DigestNotes(d)) out.Paragraph("<i>Note: " + Escape(note) + "</i>", 10.5, 4);
  out.Paragraph(Escape(d.summary.text) + Refs(d.summary.sources), 13, 18);
  const DigestFigures& f = d.figures;
  out.Paragraph(std::to_string(f.recordings) + " recordings · " + Format("%.1f", f.speech_minutes) +
                    " minutes of speech · " + std::to_string(f.words) + " words · " + std::to_string(f.episodes) +
                    " conversations · " + Format("%.0f", 100 * f.trusted_share) + " % clearly heard",
                10.5, 8);
}

void Actions(Writer& out, const DigestActions& actions) {
  out.Heading("Actions");
  for (const auto& [title, list] : {std::pair{"New", &actions.added}, std::pair{"Due today", &actions.due},
                                    std::pair{"Done today", &actions.done}}) {
    out.Paragraph(std::string("<b>") + title + "</b>", 11, 3);
    if (list->empty()) out.Paragraph("none", 10.5, 3, 12);
    for (const DigestAction& a : *list) {
      std::string line = std::string(a.state == "done" ? "☑ " : "☐ ") + Escape(a.text);
      if (!a.who.empty()) line += " — " + Escape(a.who);
      if (a.due_date) line += " (due " + Escape(*a.due_date) + ")";
      out.Paragraph(line + Refs(a.sources), 10.5, 3, 12);
    }
  }
}

// Timeline, actions, people and topics, the week's comparison, memory and the sources.
void Sections(Writer& out, const DigestDocument& d) {
  out.Heading("Timeline");
  for (const DigestMoment& e : d.timeline) {
    out.Paragraph("<b>" + Escape(e.local_start) + "–" + Escape(e.local_end) + "</b>  " +
                  (e.summary ? Escape(*e.summary) : "<i>not understood yet</i>") +
                  (e.provisional ? " <i>(provisional)</i>" : "") + Refs(e.sources));
  }
  Actions(out, d.actions);
  auto mentions = [&](const char* title, const std::vector<DigestMention>& list) {
    out.Heading(title);
    if (list.empty()) out.Paragraph("none");
    for (const DigestMention& item : list) {
      out.Paragraph(Escape(item.text) + " ×" + std::to_string(item.mentions) + Refs(item.sources));
    }
  };
  mentions("People", d.people);
  mentions("Topics", d.topics);
  auto joined = [](const std::vector<std::string>& list) {
    std::string out;
    for (const std::string& s : list) out += (out.empty() ? "" : ", ") + Escape(s);
    return out.empty() ? std::string("none") : out;
  };
  const DigestComparison& c = d.compared_with_last_7_days;
  out.Heading("Compared with the last 7 days");
  out.Paragraph("New topics: " + joined(c.new_topics));
  out.Paragraph("Keep coming back: " + joined(c.repeating_topics));
  out.Paragraph("New people: " + joined(c.new_people) + " · seen again: " + joined(c.repeating_people));
  out.Heading("Memory");
  if (d.memory.empty()) out.Paragraph("nothing new");
  for (const DigestMemoryEntry& entry : d.memory) {
    out.Paragraph(std::string(entry.learned_today ? "new · " : "") + Escape(entry.kind) + ": " + Escape(entry.label));
  }
  out.Heading("Sources");
  for (const auto& [id, s] : d.SourcesInOrder()) {
    out.Paragraph("<b>" + id + "</b>  " + Escape(s->local_time) + "  “" + Escape(s->quote) +
                      "”  <span foreground='#777'>recording " + Escape(s->recording_id) + " at " +
                      Format("%.1f", s->start_s) + " s</span>",
                  9.5, 3);
  }
}

}  // namespace

Result<std::string> RenderDigestPdf(const DigestDocument& d) {
  std::string bytes;
  std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)> surface(
      cairo_pdf_surface_create_for_stream(Append, &bytes, kWidth, kHeight), cairo_surface_destroy);
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) {
    return Internal(std::string("cannot start a PDF: ") + cairo_status_to_string(cairo_surface_status(surface.get())));
  }
  // Deterministic bytes: the document's dates are the digest's, never the clock's.
  std::string date = d.date + "T22:50:00";
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATE_DATE, date.c_str());
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_MOD_DATE, date.c_str());
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_TITLE, ("Reflexio digest " + d.date).c_str());
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATOR, "Reflexio");
  std::unique_ptr<cairo_t, decltype(&cairo_destroy)> cr(cairo_create(surface.get()), cairo_destroy);
  Writer out(cr.get());
  Cover(out, d);
  if (d.status != DigestDayStatus::kEmpty) {
    out.NewPage();
    out.Heading("Emotion through the day");
    EmotionChart(out, d.emotions);
    out.Heading("Speech per hour");
    SpeechChart(out, d.speech_minutes_by_hour);
    out.NewPage();
    Sections(out, d);
  }
  cairo_show_page(cr.get());
  cr.reset();
  cairo_surface_finish(surface.get());
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) {
    return Internal(std::string("the PDF could not be written: ") + cairo_status_to_string(cairo_surface_status(surface.get())));
  }
  return bytes;
}

}  // namespace reflexio
