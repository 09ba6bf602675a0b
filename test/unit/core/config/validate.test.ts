import { isIP } from "node:net";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { maskApiKey, maskSecret } from "../../../../src/core/config/mask.js";
import { isLoopbackHost, validateBaseUrl } from "../../../../src/core/config/validate.js";

describe("isLoopbackHost", () => {
  it("accepts only hosts that never leave the machine", () => {
    for (const host of [
      "127.0.0.1",
      "127.255.0.9",
      "localhost",
      "LOCALHOST",
      "api.localhost",
      "[::1]",
      "::1",
    ]) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
    for (const host of [
      "127.0.0.1.example.com",
      "128.0.0.1",
      "10.0.0.1",
      "0.0.0.0",
      "localhost.example.com",
      "[::2]",
      "example.com",
    ]) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });

  it("reads IP addresses as node:net's isIP does", () => {
    /** The same rule over node:net's reading of an address. */
    const reference = (hostname: string) => {
      const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
      if (host === "localhost" || host.endsWith(".localhost")) return true;
      if (isIP(host) === 4) return host.startsWith("127.");
      if (isIP(host) === 6) return host === "::1" || host === "0:0:0:0:0:0:0:1";
      return false;
    };
    const octet = fc.oneof(
      fc.integer({ min: 0, max: 300 }).map(String),
      fc.constantFrom("01", "007", "127", "0x7f", "", "1e2", " 1"),
    );
    const hosts = fc.oneof(
      fc.tuple(octet, octet, octet, octet).map((p) => p.join(".")),
      fc.tuple(fc.constantFrom("127", "128", "12"), octet, octet, octet).map((p) => p.join(".")),
      fc.tuple(octet, octet, octet).map((p) => `127.${p.join(".")}`),
      fc.constantFrom("::1", "0:0:0:0:0:0:0:1", "[::1]", "::2", "::ffff:127.0.0.1", "127.0.0.1."),
      fc.string(),
    );
    fc.assert(
      fc.property(hosts, (host) => {
        expect(isLoopbackHost(host), host).toBe(reference(host));
      }),
      { numRuns: 2000 },
    );
  });
});

describe("validateBaseUrl", () => {
  it("trims a trailing slash and keeps a path prefix", () => {
    expect(validateBaseUrl("https://grc.example.com/", false, "x")).toBe("https://grc.example.com");
    expect(validateBaseUrl("https://grc.example.com/tenant/", false, "x")).toBe(
      "https://grc.example.com/tenant",
    );
  });
  it("refuses credentials, queries and fragments in the URL", () => {
    expect(() => validateBaseUrl("https://u:p@grc.example.com", false, "--base-url")).toThrow(
      "--base-url must not contain a user name or password",
    );
    expect(() => validateBaseUrl("https://grc.example.com/?key=sk-1", false, "--base-url")).toThrow(
      "--base-url must not contain a query string or fragment",
    );
    expect(() => validateBaseUrl("grc.example.com", false, "--base-url")).toThrow(
      '--base-url "grc.example.com" is not a URL',
    );
  });
});

describe("masking", () => {
  it("shows sk-... plus the last 4 of a key, nothing of a short one", () => {
    expect(maskApiKey("sk-demo-write-0123456789abcdef")).toBe("sk-...cdef");
    expect(maskApiKey("sk-short")).toBe("sk-...");
  });
  it("shows at most the last 4 of a long secret", () => {
    expect(maskSecret("strata-demo-session-0123456789abcdef")).toBe("****cdef");
    expect(maskSecret("abc123")).toBe("****");
  });
});
