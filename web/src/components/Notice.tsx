import type { ReactNode } from "react";

/** A message box: errors are announced at once (role=alert), the rest politely. */
export function Notice({ kind, title, children }: { kind: "error" | "info" | "success"; title?: string; children?: ReactNode }) {
  return (
    <div className={`notice ${kind}`} role={kind === "error" ? "alert" : "status"}>
      {title && <strong className="notice-title">{title}</strong>}
      {children}
    </div>
  );
}
