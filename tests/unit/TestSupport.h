#pragma once
// Qt Test checks for Result values: on failure they print the error the product would show.

#include <QtTest>

#define VERIFY_RESULT(r) QVERIFY2((r).ok(), (r).ok() ? "" : (r).message().c_str())

#define VERIFY_ERROR_MENTIONS(r, text)                                                                                 \
    do {                                                                                                               \
        QVERIFY2(!(r).ok(), "expected an error");                                                                      \
        QVERIFY2((r).message().find(text) != std::string::npos, (r).message().c_str());                                \
    } while (0)
