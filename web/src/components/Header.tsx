import { href, type Route } from "../route";
import { useSession } from "../session";
import { isStaff } from "../types";

export function Header({ route }: { route: Route }) {
  const { me, signOut } = useSession();
  const current = (page: Route["page"]) => (route.page === page ? "page" : undefined);
  return (
    <header className="top">
      {/* Not a plain #main link: the hash is the route here. */}
      <a className="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById("main")?.focus(); }}>Skip to content</a>
      <a className="brand" href={href.create}><span className="logo" aria-hidden="true">▶</span> Kinema Studio</a>
      <nav aria-label="Main">
        <a href={href.create} aria-current={current("create")}>Create</a>
        <a href={href.history} aria-current={current("history") ?? current("job")}>History</a>
        {isStaff(me) && <a href={href.support} aria-current={current("support") ?? current("support-job")}>Support</a>}
      </nav>
      <div className="account">
        <span className="who" title={`Account ${me.id}`}>{me.name}</span>
        <span className={`tier tier-${me.tier.toLowerCase()}`} data-testid="tier">{me.tier}</span>
        {isStaff(me) && <span className="tier role" data-testid="role">{me.role}</span>}
        <button type="button" className="secondary small" onClick={() => signOut()}>Sign out</button>
      </div>
    </header>
  );
}
