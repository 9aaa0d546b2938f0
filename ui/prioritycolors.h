// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/alert.h"

#include <QColor>

class QPalette;

namespace fe {

// The one palette for Falco priorities, shared by the explorer's delegate, the dashboard charts and
// the report. Hues follow Falco/Kibana conventions (purple and reds for the top, orange, amber, blue,
// teal, grey) and stay distinct for the common colour-vision deficiencies because lightness also
// steps down the scale. The dark variants are lighter so they keep contrast on a dark base.
QColor priorityColor(Priority priority, bool dark = false);

// Black or white, whichever reads better on priorityColor(priority, dark) (WCAG contrast).
QColor priorityTextColor(Priority priority, bool dark = false);

// True when palette's window colour is dark, i.e. the dark variants should be used.
bool isDarkPalette(const QPalette &palette);

} // namespace fe
