#pragma once
// qcustomplot.h is written with Qt's keyword macros (`signals`, `foreach`), which QT_NO_KEYWORDS turns off
// (LibTorch headers use the name `slots`). Include it through this header: the two names are mapped to their
// Q_ forms for qcustomplot.h only. Never include this next to LibTorch headers.

#define signals Q_SIGNALS
#define foreach Q_FOREACH
#include <qcustomplot.h>
#undef signals
#undef foreach
