// The IDE page's own script, run against stand-ins for GraphiQL and graphql-ws: it must parse, send
// queries over HTTP without the default empty key, and send subscriptions over the socket with the key.
import { describe, expect, it } from "vitest";
import { graphiqlPage, graphiqlScript } from "../src/api/graphiql.js";

function loadScript() {
  expect(graphiqlPage()).not.toMatch(/<script>|<style>|\son[a-z]+=/); // nothing inline: the page's CSP allows none
  const script = graphiqlScript();
  const calls: string[] = [];
  const fn = new Function("GraphiQL", "graphqlWs", "ReactDOM", "React", "location", "document", `${script}\nreturn { operationType, fetcher };`);
  const page = fn(
    { createFetcher: () => (_params: unknown, opts: { headers: unknown }) => calls.push(`http ${JSON.stringify(opts.headers)}`) },
    { createClient: (o: { connectionParams: unknown }) => ({ iterate: () => calls.push(`ws ${JSON.stringify(o.connectionParams)}`) }) },
    { createRoot: () => ({ render() {} }) }, { createElement() {} }, { origin: "http://127.0.0.1:4000" }, { getElementById() {} },
  );
  return { page, calls };
}

describe("GraphQL IDE page script", () => {
  it("routes subscriptions to the socket and drops an empty key", () => {
    const { page, calls } = loadScript();
    expect(page.operationType("# note\nsubscription S { a }", "S")).toBe("subscription");
    expect(page.operationType("{ a }", undefined)).toBe("query");
    expect(page.operationType("query A { a } subscription B { b }", "B")).toBe("subscription");
    page.fetcher({ query: "{ me { id } }" }, { headers: { Authorization: "Bearer " } });
    page.fetcher({ query: "{ me { id } }" }, { headers: { Authorization: "Bearer kin_k" } });
    page.fetcher({ query: "subscription { jobProgress(id: \"x\") { step } }" }, { headers: { authorization: "Bearer kin_k" } });
    expect(calls).toEqual(["http {}", 'http {"Authorization":"Bearer kin_k"}', 'ws {"authorization":"Bearer kin_k"}']);
  });
});
