import { Module } from '@nestjs/common';
import { AdminController } from './admin.controller.js';
import { AdminService } from './admin.service.js';
import { TenantUsageController } from '../usage/tenant-usage.controller.js';

/**
 * The operator admin API: users, tenants, members, API keys, the audit log, plans and usage —
 * and the tenant's own usage route beside the data API (what a tenant admin key, or anyone with
 * authentication off, reads its usage through).
 */
@Module({ controllers: [AdminController, TenantUsageController], providers: [AdminService] })
export class AdminModule {}
