// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/client/config.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "model_replay.hpp"

using namespace lwm2mc::client;
using namespace lwm2mc::client::testing;

TEST(Config, ReadsModelParametersAndDeploymentFields) {
    const auto c = parse_config(R"({
  "factory": true, "smartcard": false, "client_initiated": false, "server_initiated": true,
  "supports_factory_reset": false, "hold_off": 30, "lwm2m_version": "1.0", "endpoint": "node7",
  "server_uris": ["coap://127.0.0.1:5683"], "bootstrap_server_uri": "coap://127.0.0.1:5685",
  "communication_retry_count": 2, "bootstrap_after_factory_reset": false
})",
                                "c.json");

    EXPECT_TRUE(c.factory);
    EXPECT_TRUE(c.server_initiated);
    EXPECT_FALSE(c.client_initiated);
    EXPECT_FALSE(c.supports_factory_reset);
    EXPECT_EQ(c.hold_off, 30);
    EXPECT_EQ(c.lwm2m_version, LwM2mVersion::V1_0);
    EXPECT_EQ(c.endpoint, "node7");
    EXPECT_EQ(c.server_uris, std::vector<std::string>{"coap://127.0.0.1:5683"});
    EXPECT_EQ(c.retry.communication_retry_count, 2);
    EXPECT_FALSE(c.bootstrap_after_factory_reset);
    EXPECT_TRUE(validate(c).empty());
}

TEST(Config, EveryModelParameterIsAConfigurationKey) {
    const auto& keys = config_keys();

    for (const auto& p : shipped_model_names().parameters) {
        EXPECT_NE(std::find(keys.begin(), keys.end(), p), keys.end()) << p;
    }
}

TEST(Config, ErrorsCarryLineAndColumn) {
    struct Case {
        const char* text;
        const char* message;
    };
    const std::vector<Case> cases{
        {"{\n  \"factory\": true,\n  \"hold_of\": 3\n}",
         "c.json:3:3: error: unknown configuration key 'hold_of'; did you mean 'hold_off'?"},
        {"{\"factory\": 1}", "c.json:1:2: error: 'factory' expects a boolean; got number"},
        {"{\n\n  \"hold_off\": -1}", "c.json:3:3: error: 'hold_off': expected an integer in [0, 4294967295]; got -1"},
        {"{\"lwm2m_version\": \"1.2\"}", "c.json:1:2: error: 'lwm2m_version': expected one of '1.0', '1.1'; got '1.2'"},
        {"{\"server_uris\": [\"udp://x\"]}",
         "c.json:1:2: error: 'server_uris': expected 'coap://host:port' or 'coaps://host:port' with a numeric host "
         "or localhost; got 'udp://x'"},
        {"[1]", "c.json:1:1: error: expected a JSON object of configuration keys"},
    };
    for (const auto& c : cases) {
        try {
            parse_config(c.text, "c.json");
            ADD_FAILURE() << "no error for " << c.text;
        } catch (const ConfigError& e) {
            EXPECT_EQ(std::string{e.what()}, c.message);
        }
    }
}

TEST(Config, SyntaxErrorsAreLocatedOnTheirLine) {
    try {
        parse_config("{\n  \"factory\": true,\n  \"hold_off\": 3,\n}", "c.json");
        FAIL() << "expected a ConfigError";
    } catch (const ConfigError& e) {
        const std::string msg = e.what();
        EXPECT_EQ(msg.substr(0, 22), "c.json:4:1: error: inv") << msg;
    }
}

TEST(Config, AssignmentsOverrideFields) {
    ClientConfig c;

    apply_assignments(c,
                      "factory=true,hold_off=0,client_initiated=false,server_uris=coap://127.0.0.1:1;coap://[::1]:2");

    EXPECT_TRUE(c.factory);
    EXPECT_EQ(c.hold_off, 0);
    EXPECT_FALSE(c.client_initiated);
    EXPECT_EQ(c.server_uris, (std::vector<std::string>{"coap://127.0.0.1:1", "coap://[::1]:2"}));
}

TEST(Config, BadAssignmentsAreErrors) {
    ClientConfig c;
    const std::vector<std::pair<std::string, std::string>> cases{
        {"factroy=true", "error: unknown configuration key 'factroy'; did you mean 'factory'?"},
        {"factory=yes", "error: 'factory' expects true or false; got 'yes'"},
        {"hold_off=ten", "error: 'hold_off' expects an integer; got 'ten'"},
        {"hold_off", "error: expected 'name=value'; got 'hold_off'"},
    };
    for (const auto& [text, message] : cases) {
        try {
            apply_assignment(c, text);
            ADD_FAILURE() << "no error for " << text;
        } catch (const ConfigError& e) {
            EXPECT_EQ(std::string{e.what()}, message);
        }
    }
}

TEST(Config, BindingsTheClientDoesNotImplementAreLocatedErrors) {
    const std::vector<std::pair<std::string, std::string>> cases{
        {"{\n  \"factory\": true,\n  \"binding\": \"UQ\"\n}",
         "c.json:3:3: error: 'binding': expected a binding the client implements ('U': UDP; no queue mode, SMS, TCP "
         "or non-IP); got 'UQ'"},
        {"{\"binding\": \"S\"}", "c.json:1:2: error: 'binding': expected a binding the client implements ('U': "
                                 "UDP; no queue mode, SMS, TCP or non-IP); got 'S'"},
        {"{\"binding\": \"\"}", "c.json:1:2: error: 'binding': expected a binding the client implements ('U': UDP; "
                                "no queue mode, SMS, TCP or non-IP); got ''"},
    };

    for (const auto& [text, message] : cases) {
        try {
            parse_config(text, "c.json");
            ADD_FAILURE() << "no error for " << text;
        } catch (const ConfigError& e) {
            EXPECT_EQ(std::string{e.what()}, message);
        }
    }
    EXPECT_EQ(parse_config("{\"binding\": \"U\"}", "c.json").binding, "U");
}

TEST(Config, UnsupportedBindingAssignmentAndValidation) {
    ClientConfig c;
    ClientConfig built;
    built.bootstrap_server_uri = "coap://127.0.0.1:5685";
    built.binding = "UQS";  // set in code, past the key's check

    std::string assignment_error;
    try {
        apply_assignment(c, "binding=UQ");
    } catch (const ConfigError& e) {
        assignment_error = e.what();
    }
    const auto problems = validate(built);

    EXPECT_EQ(assignment_error, "error: 'binding': expected a binding the client implements ('U': UDP; no queue mode, "
                                "SMS, TCP or non-IP); got 'UQ'");
    EXPECT_EQ(c.binding, "U");
    ASSERT_EQ(problems.size(), 1U);
    EXPECT_EQ(problems[0], "binding: expected a binding the client implements ('U': UDP; no queue mode, SMS, TCP or "
                           "non-IP); got 'UQS'");
}

TEST(Config, ValidateEnforcesAtLeastOneBootstrapMode) {
    ClientConfig c;
    c.client_initiated = false;

    const auto problems = validate(c);

    ASSERT_FALSE(problems.empty());
    EXPECT_NE(problems[0].find("at least one bootstrap mode"), std::string::npos);
}
