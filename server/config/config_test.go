package config

import (
	"io"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestFlagsOverEnvironmentOverDefaults(t *testing.T) {
	c, err := Load([]string{"-addr", "127.0.0.1:9000"}, env(map[string]string{
		"VARDAG_ADDR": "127.0.0.1:7000", "VARDAG_DATA": "/var/lib/vardag", "VARDAG_DEMO": "true",
	}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9000" || c.DataDir != "/var/lib/vardag" || !c.Demo || c.AccessTTL != 15*time.Minute || c.SessionMax != 12*time.Hour {
		t.Fatalf("%+v", c)
	}
	d := Default()
	if d.Addr != "127.0.0.1:8080" || d.DataDir != "./data" || d.Demo || d.Retention != 180*24*time.Hour || d.SignEarlyWarning != time.Hour {
		t.Fatalf("defaults: %+v", d)
	}
}

func TestBadSettingsAreRefusedWithTheirName(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-addr", "8080"}, "-addr"},
		{[]string{"-jwt-secret", "short"}, "-jwt-secret"},
		{[]string{"-access-ttl", "1h"}, "-access-ttl"},
		{[]string{"-session-max", "24h"}, "-session-max"},
		{[]string{"-read-timeout", "soon"}, "-read-timeout"},
		{[]string{"-header-timeout", "0s"}, "-header-timeout"},
		{[]string{"-streams-per-device", "0"}, "-streams-per-device"},
		{[]string{"-streams-per-device", "5", "-streams-per-user", "4"}, "-streams-per-user"},
		{[]string{"-streams-max", "-1"}, "-streams-max"},
		{[]string{"-log-level", "loud"}, "-log-level"},
		{[]string{"-refresh-limit", "0"}, "-refresh-limit"},
		{[]string{"-password-checks", "-1"}, "-password-checks"},
		{[]string{"-password-wait", "1m"}, "-password-wait"},
		{[]string{"-sign-early-warning", "13h"}, "-sign-early-warning"},
		{[]string{"-sign-early-warning", "-1m"}, "-sign-early-warning"},
		{[]string{"extra"}, "unexpected argument"},
	} {
		_, err := Load(tc.args, env(nil), io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: want an error naming %q, got %v", tc.args, tc.want, err)
		}
	}
	if _, err := Load(nil, env(map[string]string{"VARDAG_DEMO": "maybe"}), io.Discard); err == nil {
		t.Error("VARDAG_DEMO=maybe accepted")
	}
}
