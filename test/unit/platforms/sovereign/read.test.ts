import { describe, expect, it } from "vitest";
import { walkPages } from "../../../../src/core/query/walker.js";
import {
  ContradictingAnswerError,
  evidenceListQuery,
  evidencePageOf,
} from "../../../../src/platforms/sovereign/index.js";
import { EV, HttpResponse, http, KEY, ORG, SHA, setup, useMsw } from "./msw-sovereign.js";

const server = useMsw();

describe("read side", () => {
  const resource = (sha: string) => ({
    id: sha,
    type: "evidence",
    attributes: {
      sha256: sha,
      size: 10,
      content_type: "text/csv",
      filename: "a.csv",
      object_keys: [KEY],
      created_at: "2026-11-23T00:00:00Z",
    },
    relationships: { lineage: { data: [{ type: "evidence_lineages", id: "1" }] } },
  });

  it("builds page, size and filter parameters in wire form", () => {
    expect(
      evidenceListQuery({
        control: "CC6.1",
        query: ["filter[filename_cont]=log"],
        pageNumber: 2,
        pageSize: 50,
      }),
    ).toBe("?filter[control_id_eq]=CC6.1&filter[filename_cont]=log&page[number]=2&page[size]=50");
    expect(evidenceListQuery({})).toBe("");
  });

  it("lists a page and follows links.next", async () => {
    server.use(
      http.get(EV, ({ request }) => {
        const page = new URL(request.url).searchParams.get("page[number]") ?? "1";
        return HttpResponse.json({
          data: [resource(page === "1" ? SHA : "c".repeat(64))],
          links: { self: request.url, next: page === "1" ? `${EV}?page%5Bnumber%5D=2` : null },
        });
      }),
    );
    const { ev, sent, client } = setup();
    const first = await ev.listEvidence({ control: "CC6.1" });
    expect(first.data.map((r) => r.id)).toEqual([SHA]);
    expect(first.data[0]?.attributes.object_keys).toEqual([KEY]);
    sent.length = 0;
    // The walk `grc evidence list --all` runs: the one links.next walker over this pager.
    const pages: string[][] = [];
    for await (const page of walkPages({
      client,
      pager: ev.evidencePager({ control: "CC6.1" }),
      all: true,
      concurrency: 1,
    })) {
      pages.push(evidencePageOf({ data: page.resources }).data.map((r) => r.id));
    }
    expect(pages[1]?.[0]).toBe("c".repeat(64));
    expect(pages).toHaveLength(2);
    expect(sent.map((r) => r.path)).toEqual([
      `/api/v1/orgs/${ORG}/evidence?filter[control_id_eq]=CC6.1`,
      `${EV}?page%5Bnumber%5D=2`,
    ]);
  });

  it("gets one evidence with its lineage rows and a download URL", async () => {
    server.use(
      http.get(`${EV}/${SHA}`, () =>
        HttpResponse.json({
          data: resource(SHA),
          included: [{ type: "evidence_lineages", id: "1", attributes: { control_id: "CC6.1" } }],
        }),
      ),
      http.get(`${EV}/${SHA}/download-url`, () =>
        HttpResponse.json({
          download_url: `http://127.0.0.1:9/grc-evidence/${KEY}?X-Amz-Signature=abc`,
          object_key: KEY,
          expires_in: 900,
          sha256: SHA.toUpperCase(),
          size: 10,
        }),
      ),
    );
    const { ev } = setup();
    const doc = await ev.getEvidence(SHA);
    expect(doc.data.attributes.filename).toBe("a.csv");
    expect(doc.included[0]?.attributes).toEqual({ control_id: "CC6.1" });
    const dl = await ev.requestDownloadUrl(SHA);
    expect(dl.sha256).toBe(SHA);
  });

  it("refuses an unsafe download URL", async () => {
    server.use(
      http.get(`${EV}/${SHA}/download-url`, () =>
        HttpResponse.json({
          download_url: "file:///etc/shadow",
          object_key: KEY,
          expires_in: 1,
          sha256: SHA,
          size: 1,
        }),
      ),
    );
    const { ev } = setup();
    await expect(ev.requestDownloadUrl(SHA)).rejects.toThrow(
      "the server returned an unsafe download URL (scheme file is not http(s))",
    );
  });

  it("download-url: checked against the id asked for; only download_url required", async () => {
    let answer: Record<string, unknown> = {};
    server.use(http.get(`${EV}/${SHA}/download-url`, () => HttpResponse.json(answer)));
    const { ev } = setup();
    // Another hash announced: an answer about another evidence, refused.
    answer = { download_url: "http://127.0.0.1:9/b/k", size: 10, sha256: "c".repeat(64) };
    const err = await ev.requestDownloadUrl(SHA).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContradictingAnswerError);
    expect((err as ContradictingAnswerError).message).toBe(
      `download-url answered for another evidence (SHA-256 ${"c".repeat(64)}), not the ${SHA} asked for`,
    );
    // No hash, no key, no expiry: the id asked for is the hash checked; the key defaults to it.
    answer = { size: "10", download_url: "http://127.0.0.1:9/b/k" };
    expect(await ev.requestDownloadUrl(SHA)).toEqual({
      download_url: "http://127.0.0.1:9/b/k",
      object_key: SHA,
      expires_in: 0,
      sha256: SHA,
      size: 10,
    });
    // The document names the call, not its answer: without a size the download is bounded
    // by storage (see the download command); only download_url is required.
    answer = { download_url: "http://127.0.0.1:9/b/k" };
    expect((await ev.requestDownloadUrl(SHA)).size).toBeUndefined();
    answer = { size: 10 };
    await expect(ev.requestDownloadUrl(SHA)).rejects.toThrow(/download_url/);
  });

  it("refuses an evidence resource without a hash", async () => {
    server.use(
      http.get(EV, () =>
        HttpResponse.json({ data: [{ id: "1", type: "evidence", attributes: {} }] }),
      ),
    );
    const { ev } = setup();
    await expect(ev.listEvidence()).rejects.toThrow('(missing or invalid "attributes.sha256")');
  });
});
