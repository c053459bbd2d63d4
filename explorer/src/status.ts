// Modes (RUNNING, IDLE, FAULT, STOP), key rollups and staleness: how a value looks.

import { h } from "./dom";
import type { RollupValue, SignalValue } from "./types";

export const MODES = ["RUNNING", "IDLE", "FAULT", "STOP"] as const;
export type Mode = (typeof MODES)[number];

export function modeOf(signals: SignalValue[]): Mode | null {
  const raw = signals.find((s) => s.name === "mode")?.value;
  if (typeof raw !== "string") return null;
  const upper = raw.toUpperCase();
  if (upper === "STOPPED") return "STOP";
  return (MODES as readonly string[]).includes(upper) ? (upper as Mode) : null;
}

export function modeBadge(mode: Mode | null): HTMLElement | null {
  if (mode === null) return null;
  return h("span", { class: `mode mode-${mode.toLowerCase()}` }, mode);
}

/** Key rollups first (OEE, throughput), then whatever else the twin has. */
const KEY_ROLLUPS = ["oee", "throughput"];

export function keyRollup(rollups: RollupValue[]): RollupValue | null {
  const withValue = rollups.filter((r) => r.value !== null);
  for (const key of KEY_ROLLUPS) {
    const found = withValue.find((r) => r.name.toLowerCase().includes(key));
    if (found) return found;
  }
  return withValue[0] ?? null;
}

export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "number") {
    if (Number.isInteger(value)) return value.toLocaleString("en");
    return value.toLocaleString("en", { maximumFractionDigits: 3 });
  }
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

export function ageSeconds(time: string, now: number = Date.now()): number {
  return Math.max(0, (now - Date.parse(time)) / 1000);
}

export function formatAge(seconds: number): string {
  if (seconds < 1) return "now";
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} d`;
}

/** Seconds after which a value looks stale (`?staleAfter=N` in the page address overrides). */
export function staleAfterSeconds(): number {
  const raw = new URLSearchParams(location.search).get("staleAfter");
  const parsed = raw === null ? Number.NaN : Number(raw);
  return Number.isFinite(parsed) && parsed > 0 ? parsed : 30;
}

/**
 * Stale: marked STALE, or the twin's feed has gone quiet (its newest value of any signal is
 * older than the limit). A value that merely has not changed while others arrive is not stale.
 */
export function isStale(signal: SignalValue, newest: string, now: number = Date.now()): boolean {
  if (signal.quality === "STALE") return true;
  return ageSeconds(newest, now) > staleAfterSeconds();
}

export function newestTime(signals: SignalValue[]): string {
  let newest = signals[0]?.time ?? new Date(0).toISOString();
  for (const s of signals) if (Date.parse(s.time) > Date.parse(newest)) newest = s.time;
  return newest;
}

/** Short symbols for the DTDL units the plant uses most; anything else shows as named. */
const UNIT_SYMBOLS: Record<string, string> = {
  degreeCelsius: "°C", degreeFahrenheit: "°F", kelvin: "K", kilowatt: "kW", watt: "W",
  megawatt: "MW", metrePerSecondSquared: "m/s²", metrePerSecond: "m/s", bar: "bar", pascal: "Pa",
  kilopascal: "kPa", ampere: "A", volt: "V", hertz: "Hz", revolutionPerMinute: "rpm",
  percent: "%", litre: "l", litrePerSecond: "l/s", kilogram: "kg", second: "s", millimetre: "mm",
  kilowattHour: "kWh",
};

export function unitSymbol(unit: string | null): string {
  if (unit === null) return "";
  return UNIT_SYMBOLS[unit] ?? unit;
}
