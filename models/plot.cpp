#include "keel/models/plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>

#include "keel/core/error.h"
#include "keel/core/format.h"

namespace keel {

namespace {

// The picture's geometry (SVG user units = pixels).
constexpr double kWidth = 720, kPanelHeight = 260, kTitleHeight = 40;
constexpr double kLeft = 80, kRight = 170, kTop = 30, kBottom = 45;  // a panel's margins
constexpr const char* kTrainingColour = "#1f77b4";
constexpr const char* kValidationColour = "#d62728";

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

// A tick label: as few digits as the tick step needs.
std::string tick_label(double v, double step) {
  const int decimals = step >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", std::min(decimals, 8), std::abs(v) < step / 2 ? 0.0 : v);
  return buf;
}

// Round ticks covering [lo, hi]: a step of 1, 2 or 5 x 10^k giving about five intervals.
struct Ticks {
  double lo, hi, step;
};
Ticks nice_ticks(double lo, double hi) {
  if (!(hi > lo)) {
    const double pad = lo == 0 ? 1 : std::abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const double raw = (hi - lo) / 5;
  const double magnitude = std::pow(10, std::floor(std::log10(raw)));
  double step = magnitude * 10;
  for (double m : {1.0, 2.0, 5.0})
    if (raw <= m * magnitude) {
      step = m * magnitude;
      break;
    }
  return {std::floor(lo / step) * step, std::ceil(hi / step) * step, step};
}

struct Series {
  std::string name, label, colour;
  const std::vector<double>* values;
};

std::string panel(const std::string& quantity, const std::vector<Series>& series,
                  std::size_t epochs, double top) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const Series& s : series)
    for (double v : *s.values)
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  if (!std::isfinite(lo)) lo = 0, hi = 1;  // nothing finite to draw: an empty frame
  const Ticks y = nice_ticks(lo, hi);
  const Ticks x = nice_ticks(1, static_cast<double>(std::max<std::size_t>(epochs, 2)));
  const double x0 = kLeft, x1 = kWidth - kRight, y0 = top + kPanelHeight - kBottom, y1 = top + kTop;
  const double x_step = std::max(1.0, x.step);
  auto px = [&](double epoch) {
    return x0 + (epoch - 1) / std::max(1.0, static_cast<double>(epochs) - 1) * (x1 - x0);
  };
  auto py = [&](double v) { return y0 - (v - y.lo) / (y.hi - y.lo) * (y0 - y1); };

  std::ostringstream s;
  s << "<g class=\"panel\" data-quantity=\"" << escape(quantity) << "\">\n";
  s << "<text x=\"" << num(x0) << "\" y=\"" << num(y1 - 10) << "\" font-size=\"14\" "
    << "font-weight=\"bold\">" << escape(quantity) << "</text>\n";
  // Grid and y ticks.
  for (double v = y.lo; v <= y.hi + y.step / 2; v += y.step) {
    s << "<line class=\"grid\" x1=\"" << num(x0) << "\" x2=\"" << num(x1) << "\" y1=\""
      << num(py(v)) << "\" y2=\"" << num(py(v)) << "\" stroke=\"#e0e0e0\"/>\n";
    s << "<text class=\"tick\" x=\"" << num(x0 - 8) << "\" y=\"" << num(py(v) + 4)
      << "\" text-anchor=\"end\">" << tick_label(v, y.step) << "</text>\n";
  }
  // x ticks: the first epoch, then the multiples of a round step.
  std::vector<double> x_ticks{1};
  for (double e = x_step; e <= static_cast<double>(epochs) + 1e-9; e += x_step)
    if (e > 1.5) x_ticks.push_back(e);
  for (double e : x_ticks) {
    s << "<line x1=\"" << num(px(e)) << "\" x2=\"" << num(px(e)) << "\" y1=\"" << num(y0)
      << "\" y2=\"" << num(y0 + 5) << "\" stroke=\"black\"/>\n";
    s << "<text class=\"tick\" x=\"" << num(px(e)) << "\" y=\"" << num(y0 + 18)
      << "\" text-anchor=\"middle\">" << tick_label(e, 1) << "</text>\n";
  }
  s << "<path class=\"axes\" d=\"M" << num(x0) << " " << num(y1) << " L" << num(x0) << " "
    << num(y0) << " L" << num(x1) << " " << num(y0) << "\" fill=\"none\" stroke=\"black\"/>\n";
  s << "<text x=\"" << num((x0 + x1) / 2) << "\" y=\"" << num(y0 + 36)
    << "\" text-anchor=\"middle\">epoch</text>\n";
  // The series, then the legend.
  double legend_y = y1 + 10;
  for (const Series& ser : series) {
    std::string d;
    bool pen_down = false;
    for (std::size_t i = 0; i < ser.values->size(); ++i) {
      const double v = (*ser.values)[i];
      if (!std::isfinite(v)) {
        pen_down = false;  // a gap where a value is missing
        continue;
      }
      if (!d.empty()) d += ' ';
      d += pen_down ? 'L' : 'M';
      d += num(px(static_cast<double>(i + 1)));
      d += ' ';
      d += num(py(v));
      pen_down = true;
    }
    s << "<path class=\"series\" data-series=\"" << escape(ser.name) << "\" d=\"" << d
      << "\" fill=\"none\" stroke=\"" << ser.colour << "\" stroke-width=\"2\"/>\n";
    if (epochs <= 40)
      for (std::size_t i = 0; i < ser.values->size(); ++i)
        if (std::isfinite((*ser.values)[i]))
          s << "<circle cx=\"" << num(px(static_cast<double>(i + 1))) << "\" cy=\""
            << num(py((*ser.values)[i])) << "\" r=\"3\" fill=\"" << ser.colour << "\"/>\n";
    s << "<line class=\"legend\" x1=\"" << num(x1 + 15) << "\" x2=\"" << num(x1 + 40) << "\" y1=\""
      << num(legend_y) << "\" y2=\"" << num(legend_y) << "\" stroke=\"" << ser.colour
      << "\" stroke-width=\"2\"/>\n";
    s << "<text x=\"" << num(x1 + 46) << "\" y=\"" << num(legend_y + 4) << "\">"
      << escape(ser.label) << "</text>\n";
    legend_y += 20;
  }
  s << "</g>\n";
  return s.str();
}

}  // namespace

std::string history_svg(const std::map<std::string, std::vector<double>>& history,
                        const std::string& title) {
  if (history.empty()) throw ValueError("history_svg: the history is empty, nothing to draw");
  const std::size_t epochs = history.begin()->second.size();
  for (const auto& [name, values] : history)
    if (values.size() != epochs)
      throw ValueError(fmt::str("history_svg: ", fmt::quoted(name), " has ", values.size(),
                                " values, expected ", epochs, " (one per epoch, as ",
                                fmt::quoted(history.begin()->first), ")"));
  // Quantities: every name without val_, the loss first; a val_ series without its training
  // series is a quantity of its own.
  std::vector<std::string> quantities;
  for (const auto& [name, values] : history) {
    const bool validation = name.rfind("val_", 0) == 0;
    if (!validation || !history.count(name.substr(4))) quantities.push_back(name);
  }
  std::stable_partition(quantities.begin(), quantities.end(),
                        [](const std::string& q) { return q == "loss"; });

  const double height = kTitleHeight + kPanelHeight * static_cast<double>(quantities.size());
  std::ostringstream s;
  s << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << num(kWidth) << "\" height=\""
    << num(height) << "\" viewBox=\"0 0 " << num(kWidth) << " " << num(height)
    << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
    << "<title>" << escape(title) << "</title>\n"
    << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    << "<text class=\"title\" x=\"" << num(kWidth / 2) << "\" y=\"26\" text-anchor=\"middle\" "
    << "font-size=\"18\">" << escape(title) << "</text>\n";
  double top = kTitleHeight;
  for (const std::string& q : quantities) {
    std::vector<Series> series;
    if (q.rfind("val_", 0) == 0) {
      series.push_back({q, "validation", kValidationColour, &history.at(q)});
    } else {
      series.push_back({q, "training", kTrainingColour, &history.at(q)});
      if (history.count("val_" + q))
        series.push_back({"val_" + q, "validation", kValidationColour, &history.at("val_" + q)});
    }
    s << panel(q, series, epochs, top);
    top += kPanelHeight;
  }
  s << "</svg>\n";
  return s.str();
}

std::map<std::string, std::vector<double>> read_history_csv(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw IOError(fmt::str("read_history_csv: cannot open ", fmt::quoted(path)));
  auto split = [](const std::string& line) {
    std::vector<std::string> fields;
    std::string field;
    std::istringstream ls(line);
    while (std::getline(ls, field, ',')) fields.push_back(field);
    if (!line.empty() && line.back() == ',') fields.emplace_back();
    return fields;
  };
  std::string line;
  if (!std::getline(in, line) || line.empty())
    throw ValueError(fmt::str("read_history_csv: ", path, " has no header line"));
  const std::vector<std::string> header = split(line);
  if (header.size() < 2 || header[0] != "epoch")
    throw ValueError(fmt::str("read_history_csv: ", path, ": line 1 is ", fmt::quoted(line),
                              ", expected CSVLogger's header: epoch,<log>,..."));
  std::map<std::string, std::vector<double>> history;
  for (std::size_t c = 1; c < header.size(); ++c) history[header[c]];
  int number = 1;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    const std::vector<std::string> fields = split(line);
    if (fields.size() != header.size())
      throw ValueError(fmt::str("read_history_csv: ", path, ": line ", number, " has ",
                                fields.size(), " fields, expected ", header.size()));
    for (std::size_t c = 1; c < fields.size(); ++c) {
      double v = std::numeric_limits<double>::quiet_NaN();
      if (!fields[c].empty()) {
        std::size_t used = 0;
        try {
          v = std::stod(fields[c], &used);
        } catch (const std::exception&) {
          used = 0;
        }
        if (used != fields[c].size())
          throw ValueError(fmt::str("read_history_csv: ", path, ": line ", number, ", column ",
                                    fmt::quoted(header[c]), " is ", fmt::quoted(fields[c]),
                                    ", expected a number"));
      }
      history[header[c]].push_back(v);
    }
  }
  if (history.begin()->second.empty())
    throw ValueError(fmt::str("read_history_csv: ", path, " has a header but no epoch"));
  return history;
}

}  // namespace keel
