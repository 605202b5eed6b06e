declare module 'parse-prometheus-text-format' {
  /** Metric families parsed from Prometheus text exposition format. */
  export default function parsePrometheusTextFormat(text: string): Array<{
    name: string;
    help: string;
    type: string;
    metrics: Array<{ labels?: Record<string, string>; value?: string; buckets?: Record<string, string>; count?: string; sum?: string }>;
  }>;
}
