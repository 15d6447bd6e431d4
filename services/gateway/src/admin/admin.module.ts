import { Module } from '@nestjs/common';
import { AdminController } from './admin.controller.js';
import { AdminService } from './admin.service.js';

/** The operator admin API: users, tenants, members, API keys and the audit log. */
@Module({ controllers: [AdminController], providers: [AdminService] })
export class AdminModule {}
