import { useEffect, useId, useRef, useState } from 'preact/hooks';

/** A labelled text or number input that reports its value once typing pauses (or on Enter / leaving it). */
export function DebouncedInput({ label, value, onValue, type = 'text', placeholder }: { label: string; value: string; onValue: (v: string) => void; type?: 'text' | 'number'; placeholder?: string }) {
  const id = useId();
  const [draft, setDraft] = useState(value);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => setDraft(value), [value]);
  useEffect(() => () => clearTimeout(timer.current), []);
  const commit = (v: string): void => {
    clearTimeout(timer.current);
    if (v.trim() !== value) onValue(v.trim());
  };
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input
        id={id}
        type="text"
        inputMode={type === 'number' ? 'decimal' : undefined}
        value={draft}
        placeholder={placeholder}
        autoComplete="off"
        spellcheck={false}
        onInput={(e) => {
          const v = e.currentTarget.value;
          setDraft(v);
          clearTimeout(timer.current);
          timer.current = setTimeout(() => commit(v), 600);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit(e.currentTarget.value);
        }}
        onBlur={(e) => commit(e.currentTarget.value)}
      />
    </div>
  );
}

/** A group of checkboxes with a legend; none checked means no filter. */
export function CheckGroup<T extends string>({ legend, options, checked, onChange }: { legend: string; options: readonly T[]; checked: readonly string[]; onChange: (v: T[]) => void }) {
  return (
    <fieldset class="checks">
      <legend>{legend}</legend>
      <div class="options">
      {options.map((o) => (
        <label key={o} class="check">
          <input
            type="checkbox"
            checked={checked.includes(o)}
            onChange={(e) => onChange(e.currentTarget.checked ? [...options.filter((x) => x === o || checked.includes(x))] : options.filter((x) => x !== o && checked.includes(x)))}
          />
          <span>{o}</span>
        </label>
      ))}
      </div>
    </fieldset>
  );
}
