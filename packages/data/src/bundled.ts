/**
 * The public datasets shipped in packages/data/datasets, so `fmls simulate --dataset
 * breast-cancer` works with nothing to download. Credits are in datasets/README.md.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, type TaskType } from '@fmls/core';

/** A dataset shipped with fmls, and the task it suits. */
export interface BundledDataset {
  /** Name accepted by --dataset. */
  name: string;
  /** Absolute path of the CSV file. */
  path: string;
  /** Label column. */
  label: string;
  type: TaskType;
  /** Data rows in the file. */
  rows: number;
  description: string;
  /** Where the data comes from. */
  source: string;
  licence: string;
  /** A model that learns it well enough for a demonstration. */
  suggestedModel: { type: 'logistic-regression' } | { type: 'mlp'; hidden: number[] };
}

function datasetPath(name: string): string {
  // src/ under jest and dist/ after the build are both one level below the package root.
  return join(__dirname, '..', 'datasets', `${name}.csv`);
}

/** Every bundled dataset, in a fixed order. */
export function bundledDatasets(): BundledDataset[] {
  return [
    {
      name: 'breast-cancer',
      path: datasetPath('breast-cancer'),
      label: 'diagnosis',
      type: 'tabular-classification',
      rows: 569,
      description: 'Breast Cancer Wisconsin (Diagnostic): 30 cell-nucleus measurements per biopsy; diagnosis malignant or benign',
      source: 'UCI Machine Learning Repository; W. Wolberg, O. Mangasarian, N. Street, W. Street (1993); https://archive.ics.uci.edu/dataset/17/breast+cancer+wisconsin+diagnostic',
      licence: 'CC BY 4.0',
      suggestedModel: { type: 'logistic-regression' },
    },
    {
      name: 'digits',
      path: datasetPath('digits'),
      label: 'digit',
      type: 'image-classification',
      rows: 1797,
      description: 'Optical Recognition of Handwritten Digits, 8x8 version: 64 pixels (0..16) per image, row-major; digit 0..9',
      source: 'UCI Machine Learning Repository; E. Alpaydin, C. Kaynak (1998); https://archive.ics.uci.edu/dataset/80/optical+recognition+of+handwritten+digits',
      licence: 'CC BY 4.0',
      suggestedModel: { type: 'mlp', hidden: [64] },
    },
  ];
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** What --dataset (and --label) resolved to. */
export interface ResolvedDataset {
  path: string;
  label: string;
  /** Set when the name was a bundled dataset. */
  bundled?: BundledDataset;
}

/**
 * Resolves --dataset: a bundled name gives its file and label (an explicit `label`
 * overrides it); anything else must be the path of an existing CSV file, and then
 * `label` is required.
 *
 * @throws InputError when it is neither a bundled name nor a file, or when a file is given without a label.
 */
export function resolveDataset(nameOrPath: string, label?: string): ResolvedDataset {
  const all = bundledDatasets();
  const bundled = all.find((b) => b.name === nameOrPath);
  if (bundled) return { path: bundled.path, label: label ?? bundled.label, bundled };
  if (!isFile(nameOrPath)) {
    const names = all.map((b) => b.name).join(', ');
    throw new InputError(`no bundled dataset or file named ${nameOrPath}; bundled: ${names}`, {
      fix: `pass one of ${names}, or the path of a CSV file`,
    });
  }
  if (label === undefined || label === '') {
    throw new InputError(`${nameOrPath} is not a bundled dataset, so its label column must be given`, {
      fix: 'pass --label COLUMN naming the column to predict',
    });
  }
  return { path: nameOrPath, label };
}
