// SPDX-License-Identifier: Apache-2.0
#include "ui/prioritycolors.h"

#include <QPalette>

#include <array>
#include <cmath>

namespace fe {

namespace {

constexpr int s_priorityCount = 9; // Emergency .. Debug, Unknown

// Indexed by int(Priority).
constexpr std::array<QRgb, s_priorityCount> s_light = {
    0xff6a1b9a, // Emergency: deep purple
    0xffad1457, // Alert: crimson
    0xffd32f2f, // Critical: red
    0xffef6c00, // Error: orange
    0xfff9a825, // Warning: amber
    0xff1976d2, // Notice: blue
    0xff00897b, // Informational: teal
    0xff757575, // Debug: grey
    0xff9e9e9e, // Unknown: light grey
};

constexpr std::array<QRgb, s_priorityCount> s_dark = {
    0xffce93d8, // Emergency
    0xfff06292, // Alert
    0xffef5350, // Critical
    0xffffa726, // Error
    0xffffd54f, // Warning
    0xff64b5f6, // Notice
    0xff4db6ac, // Informational
    0xffbdbdbd, // Debug
    0xff8d8d8d, // Unknown
};

int indexOf(Priority priority)
{
    const int i = int(priority);
    return i >= 0 && i < s_priorityCount ? i : int(Priority::Unknown);
}

double channel(int c)
{
    const double v = c / 255.0;
    return v <= 0.03928 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4);
}

double luminance(const QColor &c)
{
    return 0.2126 * channel(c.red()) + 0.7152 * channel(c.green()) + 0.0722 * channel(c.blue());
}

} // namespace

QColor priorityColor(Priority priority, bool dark)
{
    return QColor::fromRgb(dark ? s_dark[indexOf(priority)] : s_light[indexOf(priority)]);
}

QColor priorityTextColor(Priority priority, bool dark)
{
    // Contrast ratio against white is 1.05 / (L + 0.05), against black (L + 0.05) / 0.05: pick the larger.
    const double l = luminance(priorityColor(priority, dark));
    return 1.05 / (l + 0.05) >= (l + 0.05) / 0.05 ? QColor(Qt::white) : QColor(Qt::black);
}

bool isDarkPalette(const QPalette &palette)
{
    return palette.color(QPalette::Window).lightness() < 128;
}

} // namespace fe
