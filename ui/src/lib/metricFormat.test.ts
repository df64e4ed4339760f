import { describe, expect, it } from 'vitest';
import {
  asOfText,
  deltaArrow,
  deltaTone,
  formatChange,
  formatDay,
  formatDays,
  formatDuration,
  formatMoney,
  formatValue,
  minorDigits,
} from './metricFormat';

// Intl puts a no-break space between a number and a trailing currency sign.
const nbsp = '\u00a0';

describe('money', () => {
  it('reads minor units in each currency’s own digits', () => {
    expect(minorDigits('usd')).toBe(2);
    expect(minorDigits('jpy')).toBe(0);
    expect(minorDigits('kwd')).toBe(3);
    expect(formatMoney(123456, 'usd', 'en-US')).toBe('$1,234.56');
    expect(formatMoney(123456, 'eur', 'en-US')).toBe('€1,234.56');
    expect(formatMoney(123456, 'eur', 'de-DE')).toBe(`1.234,56${nbsp}€`);
    expect(formatMoney(123456, 'jpy', 'en-US')).toBe('¥123,456');
    expect(formatMoney(0, 'usd', 'en-US')).toBe('$0.00');
    expect(formatMoney(-2550, 'usd', 'en-US')).toBe('-$25.50');
  });

  it('is compact on chart axes', () => {
    expect(formatMoney(1_250_000, 'usd', 'en-US', true)).toBe('$12.5K');
    expect(formatMoney(1_250_000, 'jpy', 'en-US', true)).toBe('¥1.3M');
  });

  it('still shows an amount whose currency Intl refuses', () => {
    expect(formatMoney(1234, '', 'en-US')).toBe('12');
  });
});

describe('formatValue', () => {
  it('formats each unit', () => {
    expect(formatValue(1234.4, 'count', '', 'en-US')).toBe('1,234');
    expect(formatValue(0.97, 'percent', '', 'en-US')).toBe('97%');
    expect(formatValue(0.9734, 'percent', '', 'en-US')).toBe('97.3%');
    expect(formatValue(12_000, 'duration', '', 'en-US')).toBe('3h 20m');
    expect(formatValue(995, 'money', 'usd', 'en-US')).toBe('$9.95');
    expect(formatValue(null, 'count', '', 'en-US')).toBe('—');
  });

  it('plain numbers keep up to two decimals: a position of 4.3, a ROAS of 2.5, 12.5 conversions', () => {
    expect(formatValue(4.3, 'number', '', 'en-US')).toBe('4.3');
    expect(formatValue(2.5, 'number', '', 'en-US')).toBe('2.5');
    expect(formatValue(12.5, 'number', '', 'en-US')).toBe('12.5');
    expect(formatValue(3.14159, 'number', '', 'en-US')).toBe('3.14');
    expect(formatValue(1234.567, 'number', '', 'de-DE')).toBe('1.234,57');
    expect(formatValue(7, 'number', '', 'en-US')).toBe('7');
    // A count rounds to whole units: the same value reads differently.
    expect(formatValue(12.5, 'count', '', 'en-US')).toBe('13');
    expect(formatValue(12_345.6, 'number', '', 'en-US', true)).toBe('12.3K');
  });

  it('durations use their two largest units', () => {
    expect(formatDuration(30)).toBe('30s');
    expect(formatDuration(45 * 60)).toBe('45m');
    expect(formatDuration(45 * 60 + 59)).toBe('45m');
    expect(formatDuration(3 * 3600)).toBe('3h');
    expect(formatDuration(3 * 3600 + 20 * 60)).toBe('3h 20m');
    expect(formatDuration(2 * 86400 + 4 * 3600 + 59 * 60)).toBe('2d 4h');
    expect(formatDuration(2 * 86400)).toBe('2d');
    expect(formatDuration(0)).toBe('0s');
  });
});

describe('change against the previous period', () => {
  it('has a sign and a percentage', () => {
    expect(formatChange(0.1234, 'en-US')).toBe('+12.3%');
    expect(formatChange(-0.05, 'en-US')).toBe('-5%');
    expect(formatChange(0, 'en-US')).toBe('0%');
    expect(formatChange(24, 'en-US')).toBe('+2,400%');
  });

  it('is good news when it goes the right way for the metric', () => {
    expect(deltaTone(0.1, false)).toBe('good');
    expect(deltaTone(-0.1, false)).toBe('bad');
    // Refunds, failed charges, time to merge: a rise is bad.
    expect(deltaTone(0.1, true)).toBe('bad');
    expect(deltaTone(-0.1, true)).toBe('good');
    expect(deltaTone(0, false)).toBe('flat');
    expect(deltaTone(0.0001, true)).toBe('flat'); // reads 0%
    expect(deltaTone(null, false)).toBe('flat');
  });

  it('the arrow follows the number, whatever the tone', () => {
    expect(deltaArrow(0.1)).toBe('▲');
    expect(deltaArrow(-0.1)).toBe('▼');
    expect(deltaArrow(0)).toBe('');
    expect(deltaArrow(null)).toBe('');
  });
});

describe('days and moments', () => {
  it('reads YYYY-MM-DD as a UTC day', () => {
    expect(formatDay('2026-11-24', 'en-GB')).toBe('24 Nov 2026');
    expect(formatDay('2026-01-01', 'en-GB', false)).toBe('1 Jan');
    expect(formatDays('2026-11-03', '2026-11-09', 'en-GB')).toBe('3 Nov – 9 Nov 2026');
    expect(formatDays('2025-12-29', '2026-01-04', 'en-GB')).toBe('29 Dec 2025 – 4 Jan 2026');
  });

  it('says how old the numbers are and exactly when they were synced', () => {
    const now = Date.UTC(2026, 10, 24, 10, 35);
    const text = asOfText(Date.UTC(2026, 10, 24, 10, 31), now, 'en-GB');
    // The moment is in the machine's own zone, so the test pins its shape, not the hour.
    expect(text).toMatch(/^Updated 4 min ago · \d{1,2} Nov 2026 \d\d:\d\d$/);
    expect(asOfText(null, now)).toBe('Not synced yet');
  });
});
