// What the studio keeps in localStorage: the API key and the job being watched on the Create page.
const KEY = "kinema.apiKey";
const CURRENT_JOB = "kinema.currentJob";

function read(name: string): string | null {
  try {
    return window.localStorage.getItem(name);
  } catch {
    return null; // storage disabled (private mode, policy): the session lasts until the tab closes
  }
}

function write(name: string, value: string | null): void {
  try {
    if (value === null) window.localStorage.removeItem(name);
    else window.localStorage.setItem(name, value);
  } catch {
    // see read()
  }
}

export const storedKey = () => read(KEY);
export const storeKey = (key: string | null) => write(KEY, key);
export const storedJobId = () => read(CURRENT_JOB);
export const storeJobId = (id: string | null) => write(CURRENT_JOB, id);
